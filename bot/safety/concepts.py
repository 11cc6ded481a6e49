"""Concept co-occurrence layer of the risk detector (English + Norwegian bokmål).

The phrase rules (``rules_en`` / ``rules_nb``) need a close wording match.  This
layer generalises: it tags words and short phrases of the *normalised* text with
clinical concepts from curated lexicons, then fires a category when the right
concepts co-occur in one clause (or a clause and the next one).

Concepts (lexicons below; Norwegian entries also match ASCII-typed æ/ø/å):

    SELF        first person (i, me, myself, jeg, meg, meg selv ...)
    WISH        want / feel like / thinking of / vil / lyst til (strong)
    HOPE        hope / wish / would rather / wouldn't mind / håper / helst (soft)
    INTENT      going to / plan / decided / ready / skal / har bestemt
    TIME        tonight / tomorrow / after sunday / i kveld / etter søndag
    DEATH       die / kill myself / end it / take my life / not wake up / dø / ta livet
    LIFE        live / alive / exist / leve / eksistere (used with a denied WISH)
    BURDEN      better off / easier for everyone / nobody would notice / bedre uten
    POINTLESS   what's the point / hva er vitsen
    METHOD      rope / noose / walk into the sea / jump off a bridge / tau / gå i sjøen
    MEANS       pills / tablets / paracetamol / piller / tabletter
    STOCKPILE   stocking up / saving up / enough / spart opp / hamstre
    QUANTITY    how many / how much / hvor mange / hvor mye
    HEIGHT      how high / hvor høyt
    FIXATION    keep looking at it / ser på det hele tida
    PREP        letters to loved ones / giving away pets / will / passwords / farvel
    AFTER       afterwards / won't need it / after sunday / etterpå / alt er klart
    SHACT       cut / burn / scratch / bite / hit (self-harm acts) / kutte / brenne
    SHOBJ       myself / my arms / thighs / wrists / meg selv / armene mine
    VIOLENCE    hit / beat / choke / stab / kill / hurt / slå / banke / kvele / drepe
    AGENT       he / she / my husband / stepdad ... / han / mannen min / stefaren
    VICTIM      me / my mum / my kids / meg / mamma / barna
    PERSON      another person as object (baby, son, boss, someone, noen ...)
    INTRUSIVE   images of / scared I'll / urge to / bilder i hodet / redd for at jeg skal
    ATTEMPT     tried to / attempt / had an od / prøvde å / selvmordsforsøk
    PAST        (the detector's past-time markers) and NEGATION (the detector's test)

Idioms and innocent contexts (kill time, dying to, dead tired, phone died, beat us
3-1, cut back on sugar, slå i hjel tida, dødstrøtt, døde av latter, dye my hair ...)
are blanked out before tagging, so they can never take part in a combination.

Every combination produces a ``ConceptHit`` whose evidence names the concepts and
the words that fired, e.g.
``concepts SELF+HOPE+DEATH: 'i' 'hope' 'dont make it to 40' (concept/passive_ideation)``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from bot.safety.rules_common import Anywhere, fold_nb

__all__ = ["IDIOMS", "ConceptHit", "find_concepts"]


def _rx(*alts: str) -> re.Pattern[str]:
    return re.compile(r"(?<!\S)(?:" + fold_nb("|".join(alts)) + r")(?!\S)")


W = r"(?:\S+ )"  # one word and its space
# --------------------------------------------------------------------------- idioms
IDIOMS = _rx(
    r"kill\w* (?:some |the |a bit of |an hour of )?time", r"(?:is|are|was|were|its|s) killing me",
    r"kill(?:ed|ing)? it", r"dying (?:to|for)", r"dead (?:tired|on my feet|beat|serious|good|easy)",
    r"(?:nearly|almost|literally|basically) died(?: laughing)?", r"died laughing",
    r"die(?:d)? of (?:laughter|embarrassment|boredom|shame|cringe)",
    r"(?:phone|battery|laptop|car|plant|plants|charger|computer|pc) (?:\w+ )?(?:died|is dead|was dead|dies)",
    r"murder (?:a |an |some )\w+", r"kill (?:the |that |this )?(?:process|server|app|lights|engine|task|job|bug)",
    r"(?:beat|beats|beating|killed|hammered|thrashed|smashed) (?:us|them|him|her) \d+ \d+",
    r"cut (?:back|down)(?: on)?", r"cut (?:my |the |his |her )?(?:hair|grass|lawn|fringe|nails|costs|losses)",
    r"(?:dye|die|dyed|dyeing) my hair", r"killer \w+", r"(?:drop|drops|dropped) dead gorgeous",
    r"slå\w* i hjel (?:\w+ )?(?:tid|tida|tiden)", r"slo i hjel (?:\w+ )?(?:tid|tida|tiden)",
    r"drep\w* (?:\w+ )?tid\w*", r"døds\w+", r"(?:dø|døde|dør|død) av latter",
    r"holdt på å dø av latter", r"(?:telefonen|mobilen|batteriet|pcen|bilen) (?:\w+ )?(?:døde|er død|dør)",
    r"kutte\w* ned(?: på)?", r"kutt\w* (?:ned|håret|gresset|plenen)", r"klippe\w* håret",
    r"tar livet av meg(?= \S+ (?:jobben|trafikken|hodepinen))",
    r"(?:\w+en|\w+a|denne \w+|dette \w+|det) tar livet av meg",
    r"(?:is|s|was) going to kill me", r"before (?:i|we|you) die", r"før (?:jeg|vi) dør",
    r"push\w* (?:me|him|her|them) to", r"dytte\w* (?:meg|ham|henne) til å", r"kick\w* (?:me|us) out",
    r"hurt\w* (?:his|her|their|your|my \w+s|someones|peoples) feelings", r"burn\w* (?:myself )?out",
    r"cut\w* (?:myself|me|them|him|her) off", r"tar på meg (?:skylden|skylda|ansvaret|jobben)",
    r"against my will", r"hit\w* (?:me|us|him|her|them) up",
    r"(?:will|ll|is going to|gonna|going to|would) (?:literally )?kill me if",
    r"(?:dreper|dreper meg|kommer til å drepe) meg (?:hvis|om)", r"dreper meg hvis",
    r"slo opp med", r"slå\w* (?:meg|seg) til ro", r"slo\w* meg på målstreken",
    r"slo\w* meg i \w+", r"beat me (?:at|in) \w+", r"drept for (?:en|et|ei) \w+", r"killed me", r"tok knekken på meg",
)

# --------------------------------------------------------------------------- lexicons
SELF = _rx(r"i", r"im", r"ive", r"id", r"ill", r"me", r"myself", r"jeg", r"eg", r"meg",
           r"meg selv")
SELF_SUBJ = _rx(r"i", r"im", r"ive", r"id", r"ill", r"jeg", r"eg")
OTHER_SUBJ = _rx(
    r"he", r"she", r"they", r"hes", r"shes", r"theyre", r"han", r"hun", r"de", r"ham", r"henne",
    r"someone", r"somebody", r"who", r"noen", r"som", r"people", r"folk",
    r"(?:a|the|this|that|en|ei|et) (?:\w+ )?(?:man|woman|guy|girl|boy|character|person|kid|mann|"
    r"dame|kvinne|gutt|jente|person)", r"hovedpersonen",
    r"(?:my|our|his|her|their) (?:\w+ )?(?:mum|mom|mother|dad|father|grandad|grandpa|grandma|nan|"
    r"granny|brother|sister|friend|dog|cat|husband|wife|partner|son|daughter|baby|uncle|aunt|"
    r"cousin|boss|pet|hamster|rabbit|horse|colleague|neighbour)",
    r"(?:bestefar|bestemor|mormor|morfar|farmor|farfar|mamma|pappa|moren|faren|broren|søsteren|"
    r"hunden|katten|mannen|kona|venninnen|vennen|sønnen|datteren|babyen|onkelen|tanta|naboen)"
    r"(?: min| mitt| vår| våre| mi)?",
)
WISH = _rx(
    r"want", r"wants", r"wanted", r"wanting", r"want to", r"feel like", r"felt like",
    r"thinking (?:of|about)", r"think about", r"thought about", r"considering", r"tempted to",
    r"ready to", r"urge to", r"need to", r"part of me wants", r"fantasi[sz]e about",
    r"vil", r"ville", r"lyst til", r"lyst å", r"har lyst", r"tenker på", r"tenkt på", r"tenkte på",
    r"vurderer", r"vurdert", r"fristet til", r"klar for", r"klar til", r"trang til",
)
HOPE = _rx(
    r"hope", r"hoping", r"hoped", r"wish", r"wishing", r"wished", r"(?:would|d|id) (?:\w+ )?rather", r"prefer", r"wouldnt mind", r"wouldnt care", r"dont care if", r"pray",
    r"would be (?:easier|better|nice|a relief|fine)", r"d be (?:easier|better|fine|happy)",
    r"id be (?:fine|happy|ok|okay|relieved)", r"be fine with", r"wouldnt be (?:sad|upset)",
    r"håper", r"håpet", r"ønsker", r"ønsket", r"skulle ønske", r"ønske", r"helst",
    r"hadde vært (?:fint|deilig|lettere|best|greit|en lettelse)", r"hadde ikke gjort noe",
    r"bryr meg ikke om", r"hadde ikke brydd meg", r"drømmer om", r"lengter etter",
)
INTENT = _rx(
    r"going to", r"gonna", r"will", r"ll", r"plan", r"plans", r"planning", r"planned",
    r"decided", r"made up my mind", r"ready", r"tonight is the night", r"im doing it",
    r"skal", r"har bestemt", r"bestemt meg", r"planlegger", r"planen", r"kommer til å",
    r"tenker å", r"klar", r"gjør jeg det", r"jeg gjør det",
)
TIME = _rx(
    r"tonight", r"tomorrow", r"this weekend", r"next week", r"soon", r"the date",
    r"(?:on |this |after |by )?(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)",
    r"after (?:christmas|new year|my birthday|the funeral|exams)",
    r"i kveld", r"i morgen", r"i natt", r"i helga", r"i helgen", r"neste uke", r"snart", r"datoen",
    r"(?:på |etter |til )?(?:mandag|tirsdag|onsdag|torsdag|fredag|lørdag|søndag)",
    r"etter (?:jul|nyttår|bursdagen\w*|begravelsen)",
)
_DEATH_ACT = (
    r"die", r"kill myself", r"killing myself", r"kms", r"end it(?! with)(?: all)?",
    r"ending it(?! with)(?: all)?", r"end (?:things|everything|my life|it all|this(?= \.| ,| ?$))",
    r"ending (?:things|everything|my life|it all)", r"take my (?:own )?life",
    r"taking my (?:own )?life", r"end my own life", r"unalive(?: myself)?", r"suicide",
    r"commit suicide", r"self delete", r"stop existing", r"exist no more",
    # "dø" typed without ø is "do": only after a Norwegian verb, or English "do" would match.
    r"(?:(?<=vil )|(?<=skal )|(?<=ville )|(?<=kan )|(?<=bare )|(?<=heller )|(?<=jeg ))dø", r"å dø", r"må dø",
    r"ta livet(?: mitt| av meg)?", r"tar livet(?: mitt| av meg)?",
    r"gjøre slutt på (?:alt|det hele|livet|livet mitt|det)(?! med)", r"avslutte (?:det hele|livet|alt|livet mitt)",
    r"avslutte det(?= \.| ,| ?$)", r"slutte å eksistere", r"selvmord", r"ta selvmord",
    r"gjøre det(?= \.| ,| ?$)",
)
_DEATH_PASS = (
    r"dead", r"be dead", r"was dead", r"were dead", r"be gone", r"gone forever", r"was gone",
    r"were gone",
    r"(?:not|never|didnt|dont|wouldnt) (?:to )?(?:wake|waking|woke) up", r"never wake", r"not wake",
    r"(?:not|wasnt|werent|isnt|wouldnt) (?:be )?(?:here|around|alive)(?: anymore)?",
    r"not (?:be )?(?:here|around)", r"not (?:to )?exist", r"didnt exist", r"never existed",
    r"disappear(?:ed)?(?= \.| ,| ?$| forever| for good| for ever| permanently| completely)",
    r"vanish(?:ed)?(?= \.| ,| ?$| forever| for good)",
    r"(?:get|got|getting) hit by (?:a |the )?(?:bus|car|train|lorry|truck)", r"car crash",
    r"(?:have|had|get|got|getting) (?:into )?(?:a |an )?(?:accident|car accident)",
    r"(?:never|not) (?:been|be|being) born", r"never born",
    r"(?:dont|not|never|wont) make it (?:to|past) \d+", r"fall asleep forever", r"sleep forever",
    r"stop breathing", r"not have to wake up",
    r"(?:it|this|everything|it all|all of it) (?:all )?to (?:end|stop|be over)(?= \.| ,| ?$| now| forever)",
    r"at (?:alt|det|det hele) skal ta slutt", r"at alt tar slutt",
    r"død", r"være død", r"var død", r"være borte", r"var borte", r"bli borte",
    r"borte for alltid", r"(?:ikke|aldri) (?:å )?våkne\w*",
    r"ikke (?:å )?(?:være|var|er) (?:her|til)(?: lenger| mer)?", r"ikke fantes", r"ikke finnes",
    r"ikke eksistert?e?", r"forsv(?:inne|ant|inner)(?= \.| ,| ?$| for alltid| helt)",
    r"påkjørt", r"bilulykke", r"(?:en |i en )?ulykke", r"aldri (?:var|ble|hadde blitt|blitt) født",
    r"ikke (?:blir|ble|fyller) \d+", r"sovne inn for alltid", r"slippe å våkne", r"sove for alltid",
)
DEATH = _rx(*_DEATH_ACT, *_DEATH_PASS)
# Distress that turns an innocent question ("how high is that bridge?") into a risk one.
DISTRESS = _rx(
    r"cant (?:take|cope|do this|go on)\w*", r"hopeless", r"give up", r"gave up", r"giving up",
    r"no point", r"whats the point", r"(?:tired|sick) of (?:life|everything|it all|living)",
    r"done with (?:life|everything|it all)", r"nothing matters", r"had enough", r"end of my rope",
    r"orker ikke", r"gi opp", r"gir opp", r"ga opp", r"håpløs\w*", r"ingen vits", r"ingen mening",
    r"lei av (?:alt|livet)", r"meningsløs\w*", r"klarer ikke mer", r"fått nok",
)
DEATH_ACT = _rx(*_DEATH_ACT)
LIFE = _rx(r"live", r"living", r"be alive", r"alive", r"exist", r"existing", r"be here",
           r"go on", r"carry on", r"leve", r"være i live", r"levende", r"eksistere", r"fortsette",
           r"leve lenger", r"være her")
BURDEN = _rx(
    r"better off", r"easier for (?:everyone|everybody|them|all|my family)",
    r"(?:nobody|no one|noone) (?:would|will|d) (?:even )?(?:notice|care|miss me)",
    r"bedre uten", r"hatt det bedre", r"klart seg bedre", r"lettere for (?:alle|dem|familien)",
    r"ingen (?:ville|hadde|vil) (?:\w+ )?(?:merket|merke|savnet|savne|brydd seg|bry seg)",
)
ABSENCE = _rx(
    r"without me", r"if i (?:was|were|wasnt|werent) (?:gone|dead|not here|around)",
    r"if i (?:disappeared|died|left|vanished|didnt exist)", r"(?:life )?insurance",
    r"uten meg", r"om jeg (?:forsvant|døde|ikke fantes|ikke var her|var borte|var død)",
    r"hvis jeg (?:forsvant|døde|ikke fantes|ikke var her|var borte|var død)",
    r"livsforsikring\w*", r"forsikring\w*",
)
POINTLESS = _rx(r"whats (?:even |the )?(?:the )?point(?: of| in)?", r"no point(?: in)?",
                r"hva er (?:egentlig )?vitsen(?: med)?", r"ingen vits(?: i| med)?",
                r"no reason to", r"ingen grunn til å")
POINT_OBJ = _rx(r"living", r"live", r"life", r"going on", r"trying", r"anymore", r"any more",
                r"leve", r"livet", r"lenger", r"mer", r"fortsette", r"å leve")
METHOD = _rx(
    r"rope", r"noose", r"ligature", r"hang myself", r"hanging myself", r"walk into the sea",
    r"walk into the (?:river|lake|water|ocean)", r"drown myself", r"into the sea",
    r"jump (?:off|from|in front of) (?:a |the |that )?(?:bridge|roof|building|balcony|car park|"
    r"cliff|train|tracks|multi storey)", r"in front of (?:a |the )?(?:train|bus|lorry|truck)",
    r"train tracks", r"the tracks", r"railway line", r"overdose", r"od",
    r"(?:drive|crash) (?:my car )?into (?:a |the )?(?:tree|wall|lorry|truck|river|bridge)",
    r"gun(?! club| range| shop| show| license| licence)", r"shotgun", r"exhaust", r"charcoal", r"helium",
    r"tau", r"tauet", r"løkke", r"snare", r"henge meg", r"drukne meg", r"gå i sjøen",
    r"(?:går|gå|gikk) ut i (?:sjøen|havet|vannet|elva)", r"hoppe (?:fra|ut fra|foran) \w+",
    r"foran toget", r"togskinnene", r"skinnene", r"overdose", r"kjøre (?:av veien|i fjellveggen|"
    r"inn i \w+)", r"våpen", r"gevær", r"hagla",
)
MEANS = _rx(
    r"pills?", r"tablets?", r"meds", r"medications?", r"paracetamol", r"co codamol",
    r"codeine", r"tramadol", r"sleeping (?:pills|tablets)", r"painkillers", r"insulin",
    r"antidepressants", r"sertraline", r"citalopram", r"amitriptyline", r"zopiclone",
    r"piller", r"pillene", r"tabletter", r"tablettene", r"paracet", r"sovepiller",
    r"sovetabletter", r"medisiner", r"medisinene", r"smertestillende", r"paralgin", r"ibux",
)
STOCKPILE = _rx(
    r"stock\w* up(?: on)?", r"stockpil\w*", r"sav(?:ed|ing) up", r"hoard\w*", r"collect\w*",
    r"from different (?:pharmacies|chemists|shops|doctors)", r"enough", r"all of them",
    r"the whole (?:box|pack|bottle)", r"spart (?:opp|på)", r"sparer (?:opp|på)", r"samlet (?:opp|på)",
    r"samler (?:opp|på)", r"hamstr\w*", r"fra (?:forskjellige|flere|ulike) apotek\w*", r"nok",
    r"hele (?:pakka|pakken|boksen|glasset|brettet)", r"alle sammen",
)
QUANTITY = _rx(r"how (?:many|much)", r"hvor (?:mange|mye)")
LETHAL = _rx(r"would it take", r"does it take", r"to be enough", r"be enough", r"lethal",
             r"fatal", r"to not wake up", r"so i dont wake up", r"kill (?:me|someone|a person)",
             r"dødelig", r"for å (?:ikke våkne|dø)", r"skal til", r"er nok til", r"til å dø")
HEIGHT = _rx(r"how (?:high|tall|far down)", r"hvor (?:høyt|høy|langt ned)")
PLACE = _rx(r"bridge", r"roof", r"building", r"car park", r"multi ?storey", r"cliff", r"balcony",
            r"tower", r"bru", r"brua", r"broa", r"broen", r"taket", r"stupet", r"parkeringshuset",
            r"balkongen", r"blokka", r"tårnet")
LANDMARK = re.compile(r"tower|building|t(?:å|a|aa)rnet")
FIXATION = _rx(r"keep (?:going (?:out )?to )?(?:look|looking|staring) at (?:it|them)",
               r"keep thinking about (?:it|the \w+)", r"cant stop looking at",
               r"ser på (?:det|den|dem) hele (?:tida|tiden)", r"går ut og ser på (?:det|den)",
               r"tenker på (?:det|den) hele tida")
PREP = _rx(
    r"(?:wrote|written|writing|write|left) (?:a |some |the )?(?:letters?|notes?|goodbye \w+)",
    r"(?:letters?|notes?) (?:to|for) (?:my |everyone)", r"goodbye (?:letters?|notes?)",
    r"(?:gave|giving|give) (?:away )?(?:my )?(?:cat|dog|pets?|things|stuff|belongings|"
    r"possessions|guitar)(?: away)?(?: to)?", r"rehom\w+",
    r"(?:sorted|wrote|written|made|updated|sorting) (?:out )?my will", r"my will",
    r"passwords?", r"life insurance", r"cancel\w* (?:my |the )?(?:\w+ )?(?:contract|subscriptions?|"
    r"phone|membership|gym|appointments?)", r"cleared out (?:my )?\w+", r"said (?:my )?goodbyes?",
    r"saying (?:my )?goodbyes?", r"sort (?:out )?my affairs", r"affairs in order",
    r"brev (?:til|for)", r"skrevet (?:et )?brev", r"avskjedsbrev", r"gitt bort", r"gir bort",
    r"gi bort", r"testament\w*", r"passord\w*", r"livsforsikring\w*",
    r"sagt opp (?:\w+ )?(?:abonnement\w*|telefon\w*|medlemskap\w*|\w+avtalen)",
    r"rydd\w* (?:ut av )?(?:leiligheten|rommet|huset|hybelen)", r"tatt farvel", r"sagt farvel",
    r"si farvel", r"ordnet (?:opp i )?alt",
)
AFTER = _rx(
    r"afterwards", r"after(?= \.| ,| ?$)", r"after (?:im gone|i go|i die|im dead|sunday|monday|"
    r"tuesday|wednesday|thursday|friday|saturday|tonight|this weekend)",
    r"(?:wont|will not|dont|not) need (?:it|them|anything|any of it)", r"when im gone",
    r"(?:everything|all) (?:is )?(?:in order|sorted|ready)", r"to find",
    r"etterpå", r"når jeg er borte", r"trenger ikke (?:noe|det|dem)", r"alt er (?:klart|ordnet|i orden)",
    r"etter (?:søndag|mandag|tirsdag|onsdag|torsdag|fredag|lørdag|i kveld|helga|helgen)",
    r"skal finne",
)
SHACT = _rx(
    r"cut", r"cuts", r"cutting", r"burn", r"burned", r"burnt", r"burning", r"scratch\w*",
    r"bite", r"bit", r"biting", r"punch\w*", r"hit", r"hitting", r"bang\w*", r"slam\w*",
    r"hurt", r"hurting", r"harm", r"harming", r"carve\w*", r"stab\w*", r"starve\w*",
    r"kutt\w*", r"skar", r"skjære\w*", r"brenn\w*", r"brant", r"klø\w*", r"klor", r"klorte",
    r"bit\w*", r"slo", r"slår", r"slå", r"skad\w*", r"riss\w*", r"dunk\w*",
)
SHOBJ = _rx(
    r"myself", r"my (?:own )?(?:wrists?|arms?|forearms?|legs?|thighs?|skin|stomach|belly|hips?|"
    r"body|chest)", r"(?:my )?head (?:against|into) (?:the )?wall", r"until (?:it|they|i) bleed\w*",
    r"till (?:it|they|i) bleed\w*", r"to feel something",
    r"meg selv", r"meg(?= \.| ,| ?$| igjen| med vilje| når| hver| fordi| for å| i natt| i går| i dag|"
    r" i kveld| til det| hele| litt| mye| ofte| lenger| opp)", r"(?:armene|armen|lårene|låret|håndleddene|håndleddet|huden|magen|"
    r"beina|leggene|hoftene) (?:mine|min|mitt)", r"(?:på|i) (?:armene|lårene|låret|håndleddene|"
    r"håndleddet|magen|huden|beina)", r"hodet i veggen", r"til det (?:blør|blødde)",
    r"for å kjenne noe",
)
SH_NOUN = _rx(r"self harm\w*", r"selvskad\w*", r"clean from (?:self harm|cutting|sh)",
              r"relapsed?(?: on| into)? (?:self harm|cutting|sh)")
ACCIDENT = _rx(
    r"accident\w*", r"by mistake", r"kettle", r"oven", r"stove", r"hob", r"iron", r"pan", r"tray",
    r"toaster", r"cooking", r"baking", r"chopping", r"onions?", r"fell", r"slipped", r"tripped",
    r"football", r"gym", r"training", r"match", r"game", r"finger", r"thumb", r"shaving", r"hair",
    r"grass", r"paper", r"glass", r"dog", r"cat", r"sunburn\w*", r"lawn",
    r"uhell", r"stekepann\w*", r"stekebrett\w*", r"komfyr\w*", r"ovnen", r"løk", r"matlaging",
    r"trening\w*", r"fotball\w*", r"fingeren", r"tommel\w*", r"håret", r"falt", r"skled",
    r"sklei", r"snublet", r"kampen", r"sola", r"glass\w*", r"barber\w*",
)
VIOLENCE = _rx(
    r"hit\w*", r"beat\w*", r"slap\w*", r"punch\w*", r"kick\w*", r"push\w*", r"shov\w*",
    r"chok\w*", r"strangl\w*", r"throttl\w*", r"stab\w*", r"kill\w*", r"hurt\w*", r"harm",
    r"shak\w*", r"smother\w*", r"drown\w*", r"rap(?:e|ed|es|ing)", r"abus\w*", r"molest\w*",
    r"touch(?:es|ed|ing)?", r"forced? (?:himself|herself|themselves) on",
    r"threaten\w* (?:to )?(?:kill|hurt|hit|beat|harm|stab)", r"lock(?:s|ed)? (?:me )?in",
    r"grab\w*(?= me by)", r"strangle", r"bash\w*",
    r"slå\w*", r"slo", r"slått", r"bank\w*", r"dytt\w*", r"kvel\w*", r"tar kvelertak på",
    r"tok kvelertak på", r"voldt\w*", r"tvang seg på", r"tvinge\w*", r"tvang", r"tru(?:er|et|ende) med å (?:drepe|skade|slå|ta livet av)", r"sparke\w*", r"sparket", r"drep\w*", r"drap\w*", r"skade\w*", r"skadet",
    r"knivstikk\w*", r"ta livet av", r"rist\w*", r"kvel\w*", r"tar på", r"tok på", r"befø\w*",
    r"lås\w* (?:meg )?inne", r"misbruk\w*", r"mishandl\w*",
)
AGENT = _rx(
    r"he", r"she", r"they", r"hes", r"shes",
    r"(?:my|her|his|mums|moms) (?:\w+ )?(?:partner|husband|wife|boyfriend|girlfriend|bf|gf|dad|"
    r"father|mum|mom|mother|stepdad|stepfather|stepmum|stepmom|stepmother|ex|brother|sister|uncle|"
    r"aunt|grandad|grandpa|cousin|fiance|fiancee|carer|flatmate|coach|teacher|step dad)",
    r"(?:the )?(?:pe |gym |maths |football )?(?:teacher|coach)",
    r"han", r"hun", r"(?:mannen|kona|samboeren|kjæresten|typen|faren|pappa|moren|mamma|stefaren|"
    r"stemoren|eksen|broren|søsteren|onkelen|bestefaren|fetteren|treneren|læreren|\w+læreren)"
    r"(?: min| mi| hennes| hans)?",
)
VICTIM = _rx(
    r"me", r"us", r"my (?:mum|mom|mother|sister|brother|kids|children|child|son|daughter|baby|little "
    r"\w+)", r"her", r"him",
    r"meg", r"oss", r"mamma", r"moren min", r"søsteren min", r"broren min", r"barna", r"ungene",
    r"henne", r"ham", r"lillebroren min", r"lillesøsteren min",
)
GAMES = _rx(r"match", r"game", r"games", r"team", r"round", r"score", r"home run", r"boxer",
            r"boxing", r"film", r"movie", r"episode", r"series", r"fifa", r"fortnite", r"chess",
            r"\d+ \d+", r"tackle", r"rugby", r"laget", r"kampen", r"runde", r"spillet", r"filmen",
            r"serien", r"sjakk", r"bokser\w*", r"homerun", r"playstation", r"xbox")
PERSON = _rx(
    r"(?:my|the|our|his|her|that|this) (?:\w+ )?(?:baby|newborn|child|children|kid|kids|son|"
    r"daughter|toddler|partner|husband|wife|boyfriend|girlfriend|boss|manager|mum|mom|mother|dad|"
    r"father|stepdad|stepfather|brother|sister|neighbour|neighbor|colleague|coworker|ex|teacher|"
    r"friend|flatmate)", r"someone", r"somebody", r"him", r"her", r"them", r"people", r"a person",
    r"(?:\w+ )?(?:babyen|barnet|barna|ungen|ungene|sønnen|datteren|mannen|kona|samboeren|kjæresten|"
    r"sjefen|kollegaen|naboen|mamma|pappa|stefaren|eksen|broren|søsteren)(?: min| mitt| mine)?",
    r"den nyfødte", r"det nyfødte", r"noen", r"ham", r"henne", r"dem", r"folk",
)
INTRUSIVE = _rx(
    r"images? of", r"pictures? of", r"thoughts? of", r"scared (?:that )?i(?: ll| will| might)?",
    r"afraid (?:that )?i(?: ll| will| might)?", r"terrified (?:that )?i(?: ll| will)?",
    r"urge to", r"urges to", r"i could", r"could actually", r"going to", r"gonna", r"want to",
    r"i will", r"im going to", r"ill",
    r"bilder (?:i hodet )?av", r"tanker om å", r"redd (?:for )?at jeg (?:skal|kan|kommer til å)",
    r"trang til å", r"jeg kunne", r"kunne", r"jeg skal", r"skal", r"jeg vil", r"vil",
)
ATTEMPT = _rx(
    r"tried to", r"trying to", r"attempt\w*", r"had an od", r"an od", r"ods", r"od d",
    r"overdosed", r"took an overdose", r"prøvde å", r"forsøkte å", r"selvmordsforsøk\w*",
    r"forsøk\w*", r"tok en overdose", r"overdoser\w*",
)
CONTROL = _rx(
    r"controls? (?:all )?(?:my |the )?(?:money|finances|phone|who i)", r"wont let me (?:see|go|leave|"
    r"talk|have)", r"checks my phone", r"takes my (?:phone|money|bank card)",
    r"styrer (?:alle )?(?:pengene|økonomien|hvem jeg|telefonen)", r"bestemmer (?:over )?hvem jeg",
    r"får ikke lov til å (?:treffe|se|snakke|gå)", r"sjekker telefonen min",
    r"tar (?:telefonen|pengene|bankkortet) mitt?",
)
FEAR = _rx(r"(?:scared|afraid|terrified|frightened) of", r"redd(?: for)?", r"livredd(?: for)?")
PARTNER = _rx(
    r"(?:my |her )(?:partner|husband|wife|boyfriend|girlfriend|dad|father|stepdad|stepfather|ex|"
    r"mum|mom|mother|stepmum|stepmother)",
    r"(?:mannen|kona|samboeren|kjæresten|typen|faren|pappa|stefaren|eksen|moren|mamma|stemoren)"
    r"(?: min| mi)?",
)
HARSH = re.compile(fold_nb(
    r"(?:kill|hurt|harm|stab|strangl|chok|smother|drown|shak|hit|beat|punch|slap|strangle|"
    r"drep|drap|skad|knivstikk|kvel|slå|slo|bank|rist|ta livet av)"))
ACUTE = _rx(r"wont stop", r"cant stop", r"keep", r"today", r"now", r"slutter ikke", r"i dag", r"nå",
            r"hele tida", r"hele tiden", r"terrifies", r"skremmer", r"scares")

_LIFE_QUAL = re.compile(fold_nb(
    r" (?:like (?!this|that)|with|in|at|there|near|abroad|alone|sånn som|som|med|i|på|der|hos)"))
_NEG_BETWEEN = re.compile(r" (?:not|no|never|dont|didnt|doesnt|wont|wouldnt|ikke|aldri) ")
_BOUND = re.compile(r" (?:\.|,|but|men|because|fordi) ")


@dataclass(frozen=True)
class ConceptHit:
    category: str
    rule: str  # e.g. "concept.self_wish_death"
    concepts: str  # e.g. "SELF+WISH+DEATH"
    words: tuple[str, ...]
    start: int
    end: int

    @property
    def evidence(self) -> str:
        return " ".join(f"'{w}'" for w in self.words)

    def explain(self) -> str:
        return f"concepts {self.concepts}: {self.evidence} (concept/{self.category})"


Tag = tuple[int, int, str]  # start, end, matched words


def _tags(rx: re.Pattern[str], text: str, lo: int, hi: int) -> list[Tag]:
    return [(m.start(), m.end(), m.group(0)) for m in rx.finditer(text, lo, hi)]


def _first(tags: list[Tag], after: int = -1, before: int = 10**9) -> Tag | None:
    for t in tags:
        if after <= t[0] and t[1] <= before:
            return t
    return None


def _subject_is_self(text: str, lo: int, pos: int) -> bool | None:
    """Nearest person reference before ``pos`` in the clause (looking back at most
    200 characters, so long clauses stay linear): True self, False other."""
    seg = text[max(lo, pos - 200):pos]
    last_self = max((m.end() for m in SELF_SUBJ.finditer(seg)), default=-1)
    last_other = max((m.end() for m in OTHER_SUBJ.finditer(seg)), default=-1)
    if last_self < 0 and last_other < 0:
        return None
    return last_self > last_other


MAX_CLAUSE = 300  # characters; a longer run without a boundary is read in pieces


def _bounded(cuts: list[int], text: str) -> list[int]:
    """Extra cuts (at spaces) in any clause longer than MAX_CLAUSE, so that the work per
    clause is bounded and a long message without punctuation costs linear time."""
    out = [cuts[0]]
    for end in cuts[1:]:
        while end - out[-1] > MAX_CLAUSE:
            space = text.rfind(" ", out[-1] + MAX_CLAUSE // 2, out[-1] + MAX_CLAUSE)
            out.append(space + 1 if space > 0 else out[-1] + MAX_CLAUSE)
        out.append(end)
    return out


def find_concepts(
    text: str,
    negated: Callable[[str, int, int], bool],
    past: re.Pattern[str],
    recent: re.Pattern[str],
) -> list[ConceptHit]:
    """Run the concept layer over one normalised variant of a message."""
    # blank idioms (same length, so offsets stay valid)
    text = IDIOMS.sub(lambda m: "_" * len(m.group(0)), text)
    cuts = _bounded([0] + [m.start() + 1 for m in _BOUND.finditer(text)] + [len(text)], text)
    clauses = [(cuts[i], cuts[i + 1]) for i in range(len(cuts) - 1)]
    out: list[ConceptHit] = []

    def add(cat: str, rule: str, concepts: str, *tags: Tag | None) -> None:
        ts = [t for t in tags if t is not None]
        ts.sort()
        out.append(ConceptHit(cat, rule, concepts, tuple(t[2] for t in ts),
                              ts[0][0], ts[-1][1]))

    def pos(tags: list[Tag]) -> list[Tag]:  # tags not cancelled by a denial
        return [t for t in tags if not negated(text, t[0], t[1])]

    anywhere = Anywhere(text)  # whole-message conditions, each searched once

    for ci, (lo, _) in enumerate(clauses):
        # the window: this clause and the next one
        hi = clauses[min(ci + 1, len(clauses) - 1)][1]
        c_hi = clauses[ci][1]
        seg = text[lo:hi]
        is_past = bool(past.search(seg)) and not recent.search(seg)

        def cat_or_past(cat: str, is_past: bool = is_past) -> str:
            return "past_attempt" if is_past else cat

        # ---- ideation: (SELF) + WISH/HOPE + DEATH (death attributed to the self)
        wishes = _tags(WISH, text, lo, c_hi)
        hopes = _tags(HOPE, text, lo, c_hi)
        deaths = _tags(DEATH, text, lo, hi)
        for d in deaths:
            if negated(text, d[0], d[1]) or _subject_is_self(text, lo, d[0]) is False:
                continue
            w = _first([t for t in pos(wishes) if t[1] <= d[0]])
            h = _first([t for t in pos(hopes) if t[1] <= d[0]])
            if w is not None and _NEG_BETWEEN.search(text, w[1], d[0]):
                w = None
            if h is not None and _NEG_BETWEEN.search(text, h[1], d[0]):
                h = None
            if w is None and h is None:
                continue
            selft = _first(_tags(SELF, text, lo, d[0]))
            act = DEATH_ACT.fullmatch(d[2]) is not None
            if w is not None and act:
                add(cat_or_past("active_ideation"), "concept.self_wish_death",
                    "SELF+WISH+DEATH" if selft else "WISH+DEATH", selft, w, d)
            else:
                add(cat_or_past("passive_ideation"), "concept.self_hope_death",
                    ("SELF+" if selft else "") + ("WISH" if h is None else "HOPE") + "+DEATH",
                    selft, h or w, d)
            break
        # denied wish + life: "I don't want to be alive / live anymore"
        for w in wishes:
            if not negated(text, w[0], w[1]):
                continue
            lf = _first(_tags(LIFE, text, w[1], c_hi))
            if lf is not None and _LIFE_QUAL.match(text, lf[1]):
                lf = None
            if lf is not None and text[w[1]:lf[0]].count(" ") <= 3:
                add(cat_or_past("active_ideation"), "concept.no_wish_life",
                    "SELF+NEG+WISH+LIFE", _first(_tags(SELF, text, lo, w[0])), w, lf)
                break
        # burden: better off / easier for everyone + my absence
        b = _first(_tags(BURDEN, text, lo, c_hi))
        if b is not None and not negated(text, b[0], b[1]):
            a = _first(_tags(ABSENCE, text, lo, hi)) or _first(
                [d for d in deaths if _subject_is_self(text, lo, d[0]) is not False])
            if a is not None:
                add("passive_ideation", "concept.burden", "BURDEN+ABSENCE", b, a)
        # pointlessness of living
        p = _first(_tags(POINTLESS, text, lo, c_hi))
        if p is not None:
            o = _first(_tags(POINT_OBJ, text, p[1], min(c_hi, p[1] + 20)))
            if o is not None:
                add("passive_ideation", "concept.pointless_life", "POINTLESS+LIFE", p, o)

        # ---- plan: METHOD + INTENT/TIME/FIXATION
        meth = pos(_tags(METHOD, text, lo, hi))
        if meth:
            m = meth[0]
            if _subject_is_self(text, lo, m[0]) is not False:
                cue = (_first(_tags(INTENT, text, lo, hi)) or _first(_tags(TIME, text, lo, hi))
                       or _first(_tags(FIXATION, text, lo, hi)))
                if cue is not None and not is_past:
                    add("plan_or_intent", "concept.method_intent",
                        "METHOD+" + ("FIXATION" if FIXATION.fullmatch(cue[2]) else
                                     "TIME" if TIME.fullmatch(cue[2]) else "INTENT"), m, cue)
        # means + stockpile
        means = _tags(MEANS, text, lo, hi)
        if means:
            s = _first(pos(_tags(STOCKPILE, text, lo, hi)))
            if s is not None and s[2] in ("enough", "nok") and re.match(
                    r" (?:\S+ ){0,2}(?:for|til|to last|a day|om dagen|per)\b", text[s[1]:]):
                s = None
            if s is not None and not is_past:
                add("plan_or_intent", "concept.means_stockpile", "MEANS+STOCKPILE", s, means[0])
        # quantity question + lethal outcome
        q = _first(_tags(QUANTITY, text, lo, c_hi))
        if q is not None:
            le = _first(_tags(LETHAL, text, q[1], hi))
            if le is not None and (means or "wake" in le[2] or "våkn" in le[2] or "vakn" in le[2]
                                   or "dø" in le[2] or le[2][-2:] == "do"):
                add("plan_or_intent", "concept.quantity_lethal",
                    "QUANTITY+" + ("MEANS+" if means else "") + "LETHAL", q, means[0] if means else None, le)
        # height question + place
        hq = _first(_tags(HEIGHT, text, lo, c_hi))
        if hq is not None:
            pl = _first(_tags(PLACE, text, hq[1], hi))
            # Landmarks ("how tall is the Eiffel tower?") count only beside distress.
            if pl is not None and LANDMARK.fullmatch(pl[2]) and not (anywhere(DISTRESS)
                                                                 or anywhere(DEATH)):
                pl = None
            if pl is not None:
                add("plan_or_intent", "concept.height_place", "HEIGHT+PLACE", hq, pl)
        # preparation + after/death
        pr = _first(_tags(PREP, text, lo, c_hi))
        if pr is not None and not negated(text, pr[0], pr[1]):
            af = _first(_tags(AFTER, text, lo, hi)) or _first(
                [d for d in deaths if not negated(text, d[0], d[1])])
            if af is not None:
                add("plan_or_intent", "concept.preparation", "PREP+AFTER", pr, af)

        # ---- self-harm: act + self object
        acts = pos(_tags(SHACT, text, lo, c_hi))
        if acts and not ACCIDENT.search(text, lo, hi):
            for a in acts:
                if _subject_is_self(text, lo, a[0]) is False:
                    continue
                ob = _first(_tags(SHOBJ, text, a[1], min(c_hi, a[1] + 40)))
                if ob is not None and re.match(r"hurt|harm|skad", a[2]) and not re.match(
                        r"myself|meg", ob[2]):
                    ob = None
                if ob is not None:
                    add("past_attempt" if is_past else "self_harm", "concept.sh_act_self",
                        "SELF-HARM+SELF", a, ob)
                    break
        shn = _first(_tags(SH_NOUN, text, lo, c_hi))
        if shn is not None and not negated(text, shn[0], shn[1]) and (
                recent.search(seg) or re.search(r"relaps|tilbakefall|clean|started|begynt", seg)):
            add("self_harm", "concept.sh_noun_recent", "SELF-HARM+RECENT", shn)

        # ---- past attempt: attempt + death/method + past marker
        at = _first(pos(_tags(ATTEMPT, text, lo, c_hi)))
        if at is not None:
            dm = (_first(_tags(DEATH, text, at[0], hi)) or _first(_tags(METHOD, text, at[0], hi))
                  or (at if re.search(r"od|overdos|selvmords", at[2]) else None))
            if dm is not None and _subject_is_self(text, lo, at[0]) is not False:
                if is_past or anywhere(past):
                    add("past_attempt", "concept.attempt_past", "ATTEMPT+DEATH+PAST", at, dm)
                elif recent.search(seg):
                    add("self_harm", "concept.attempt_recent", "ATTEMPT+DEATH+RECENT", at, dm)

        # ---- coercive control / fear of a partner or parent
        fe = _first(_tags(FEAR, text, lo, c_hi))
        if fe is not None and not negated(text, fe[0], fe[1]):
            pa = _first(_tags(PARTNER, text, fe[1], min(c_hi, fe[1] + 25)))
            if pa is not None and text[fe[1]:pa[0]].count(" ") <= 1:
                add("abuse", "concept.fear_partner", "FEAR+PARTNER", fe, pa)
        co = _first(_tags(CONTROL, text, lo, c_hi))
        if co is not None and not negated(text, co[0], co[1]):
            ag = _first(_tags(AGENT, text, max(0, co[0] - 40), co[0]))
            if ag is not None:
                add("abuse", "concept.agent_control", "AGENT+CONTROL", ag, co)
        # ---- violence: who does what to whom
        if not anywhere(GAMES):
            for v in _tags(VIOLENCE, text, lo, c_hi):
                if negated(text, v[0], v[1]):
                    continue
                obj_seg_end = min(c_hi, v[1] + 30)
                near_before = text[max(lo, v[0] - 40):v[0]]
                agent_m: re.Match[str] | None = None
                for m2 in AGENT.finditer(near_before):
                    agent_m = m2
                self_agent = _subject_is_self(text, lo, v[0])
                if agent_m is not None and self_agent is not True:
                    vic = _first(_tags(VICTIM, text, v[1], obj_seg_end))
                    if vic is None and re.search(r"\b(?:on|in|inne)$", v[2]):
                        vic = (v[0], v[1], "")
                    if vic is not None and text[v[1]:vic[0]].count(" ") <= 4:
                        add("abuse", "concept.agent_violence_victim", "AGENT+VIOLENCE+VICTIM",
                            (v[0] - len(near_before) + agent_m.start(), v[0] - len(near_before) + agent_m.end(),
                             agent_m.group(0)), v, vic if vic[2] else None)
                        break
                if self_agent is True and HARSH.match(v[2]):
                    per = _first(_tags(PERSON, text, v[1], obj_seg_end))
                    cue = _first(_tags(INTRUSIVE, text, lo, v[0]))
                    if per is not None and cue is not None and text[v[1]:per[0]].count(" ") <= 2:
                        add("harm_to_others", "concept.self_violence_other",
                            "SELF+INTRUSIVE+VIOLENCE+PERSON", cue, v, per)
                        break
    return out
