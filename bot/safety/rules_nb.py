"""Norwegian (bokmål) risk rules.

Patterns are written with æ/ø/å; ``rules_common.fold_nb`` lets them also match
text typed as ae/oe/aa or plain a/o.
"""

from __future__ import annotations

from bot.safety.rules_common import Rule

NB_ACCIDENT = (
    r"\b(?:uhell|ved et uhell|ved en feil|papir\w*|arket|kniven|glass\w*|boksen|lagde mat|"
    r"laget mat|matlaging|kjøkkenet|stekepanna|stekepannen|kjelen|ovnen|komfyren|strykejernet|"
    r"falt|sykkel\w*|fotball|trening|skled|snublet|barberte|fingeren|fingrene|tommelen|løk|"
    r"grønnsaker|poteter|brødkniven|kokte|kokende|grillen|bålet|jobb|jobben)\b"
)

RULES: tuple[Rule, ...] = (
    # ------------------------------------------------------------------ plan / intent
    Rule("nb.plan_stockpile", "plan_or_intent",
         r"\b(?:spar\w*|samle\w*|samlet|samler|gjem\w*|hamstr\w*|lagr\w*|tatt vare på) (?:opp |"
         r"på |unna )?(?:på )?(?:alle |mange |noen |nok )?%G1%%MEDS%"),
    Rule("nb.plan_ready", "plan_or_intent",
         r"\b%MEDS% %G1%(?:klare|ligger klar|ligger klare|foran meg|er klare)\b|\bhar (?:nok|"
         r"mange nok) %MEDS%"),
    Rule("nb.plan_take_all", "plan_or_intent",
         r"\b(?:skal|kommer til å|tenker å|vil|planlegger å|har tenkt å) (?:ta|svelge) (?:alle|"
         r"hele|masse|mange|resten av) %G1%%MEDS%"),
    Rule("nb.plan_lethal_question", "plan_or_intent",
         r"\b(?:hvor (?:mange|mye) %G4%(?:for å dø|for å ikke våkne|dødelig|dreper|dør|"
         r"for å drepe|er nok|må man ta|må jeg ta|skal til)|dødelig dose|dødelige doser|"
         r"dødelig mengde|overdose av|%MEDS% %G2%(?:dødelig|dreper|for å dø))\b",
         unless=r"\b(?:hodepine|vondt|smerter|feber|forkjølelse|per dag|om dagen|på en dag|"
                r"resept|trygt|med mat|i døgnet|mensen|tannpine)\b",
         distress_overrides=True),
    Rule("nb.plan_how_to_die", "plan_or_intent",
         r"\b(?:hvordan|hvor høyt|hvor høy|hvilken|hva) %G4%(?:for å dø|dør man|ta livet av seg|"
         r"ta livet mitt|ta selvmord|høy nok|høyt nok|å dø)\b"),
    Rule("nb.plan_jump", "plan_or_intent",
         r"\b(?:hopp\w*|kaste meg|kaster meg|kastet meg|legge meg|ligge|gå) (?:ut )?(?:fra|"
         r"foran|ned fra|av|under|på|ut i|ut foran|i) %G1%%PLACE%"),
    Rule("nb.plan_place_jump", "plan_or_intent", r"\b%PLACE% %G3%(?:hoppe|hopper|kaste meg)\b"),
    Rule("nb.plan_standing", "plan_or_intent",
         r"\b(?:står|sitter|stod|sto) (?:på|ved|ytterst på) (?:kanten av )?(?:brua|broen|broa|"
         r"taket|kanten|skinnene|togskinnene|stupet|balkongkanten)\b"),
    Rule("nb.plan_method", "plan_or_intent",
         r"\b(?:henge|hengte|henger|drukne|druknet|skyte|skjøt|forgifte|kvele|"
         r"gasse) %MEG%(?: selv)?\b|\b(?:kjøpt|kjøpte|har|skaffet|funnet|gjemt) (?:et |en |"
         r"noe )?(?:tau|strikk|løkke|barberblad\w*|våpen|gevær|pistol)\b",
         unless=r"\b(?:telt|camping|klatring|båt|hage|tørkesnor|barbere|jakt|fest|hytta)\b",
         distress_overrides=True),
    Rule("nb.plan_kjore", "plan_or_intent",
         r"\b(?:kjøre|kjører|kjøre bilen|svinge) (?:rett )?(?:i|inn i|ut i|av|utfor|foran) "
         r"(?:fjellveggen|fjellet|en vegg|veggen|et tre|treet|møtende trafikk|en trailer|"
         r"traileren|veien|stupet|sjøen|elva)\b"
         r"|\bmåter å (?:dø|ta livet|ta selvmord|drepe meg)\b|\bplanlegge\w* (?:min )?egen "
         r"begravelse\b"),
    Rule("nb.plan_have_plan", "plan_or_intent",
         r"\b(?:har|lagd|laget|lager) (?:en |min )?plan (?:for|om|på) %G3%(?:hvordan|å ta|å dø|"
         r"å gjøre det|selvmord|å avslutte|å hoppe|å henge)|\b(?:planlegger|planlagt|planla|"
         r"planlegge) %G2%(?:selvmord|"
         r"å ta livet|å dø|å avslutte livet|min død)"),
    Rule("nb.plan_decided", "plan_or_intent",
         r"\bbestemt %MEG% (?:for )?%G3%(?:gjøre det|å ta|å dø|å avslutte|å hoppe|å henge|"
         r"selvmord|ta livet|gjøre slutt)|\b(?:jeg )?(?:skal|kommer til å) gjøre det (?:i kveld|"
         r"i natt|i morgen|i helgen|på \w+dag|snart|nå)\b"),
    Rule("nb.plan_time", "plan_or_intent",
         r"\b(?:i kveld|i natt|i morgen|i dag|i helgen|på (?:mandag|tirsdag|onsdag|torsdag|"
         r"fredag|lørdag|søndag)|snart) %G3%(?:skal|kommer til å|vil|gjør) %G1%(?:gjøre slutt|"
         r"ta livet|avslutte|gjøre det|dø|ta selvmord|henge)|\b(?:skal|"
         r"kommer til å) (?:gjøre slutt på (?:det|alt|livet)|ta livet mitt|ta livet av %MEG%|"
         r"avslutte livet(?: mitt)?|ta selvmord|dø) %G2%(?:i kveld|i natt|i morgen|i dag|"
         r"i helgen|snart|nå|på \w+dag)\b"),
    Rule("nb.plan_goodbye", "plan_or_intent",
         r"\b(?:dette er (?:mitt )?(?:farvel|adjø|slutten)(?! til (?!alle|dere|livet|verden|"
         r"familien|deg))|farvel (?:alle|alle sammen|"
         r"for alltid|verden|til alle)|ta farvel med (?:alle|dere|livet|verden|familien)|"
         r"sagt farvel til (?:alle|familien|dere)|tar farvel med (?:alle|dere|livet)|"
         r"siste melding|min siste dag)\b"),
    Rule("nb.plan_note", "plan_or_intent",
         r"\b(?:avskjedsbrev\w*|selvmordsbrev\w*|farvelbrev\w*|avskjedsbrevet|siste brev)\b|"
         r"\b(?:brev|brevet|lapp) (?:til \w+ %G1%)?(?:i tilfelle|når|"
         r"etter at) %JEG% (?:ikke er her|er borte|er død|dør)"),
    Rule("nb.plan_after_gone", "plan_or_intent",
         r"\b(?:når|etter at|etter|i tilfelle|hvis) %JEG% (?:er borte|er død|"
         r"ikke er her (?:lenger|mer)|har tatt livet mitt|ikke lever)\b|\b(?:er|"
         r"være) borte (?:i morgen|før|snart)\b"),
    Rule("nb.plan_give_away", "plan_or_intent",
         r"\b(?:gir|ga|gitt|gi) bort (?:alle )?(?:tingene|eiendelene|sakene|klærne|dyrene|"
         r"katten|hunden)(?: mine| min)?\b",
         requires=r"\b(?:trenger (?:dem|det|de) ikke|ikke trenger|ingen må|slipper å rydde|"
                  r"farvel|borte|dø|død|ikke lenger|ikke her|rydde etter)\b"),
    # ------------------------------------------------------------------ active ideation
    Rule("nb.ta_livet", "active_ideation",
         r"\b(?:ta|tatt) (?:livet mitt|livet mit|livet av %MEG%(?: selv)?|mitt (?:eget )?liv|"
         r"selvmord|mitt liv)\b|\b(?:tar|tok) (?:livet mitt|mitt (?:eget )?liv|selvmord)\b|"
         r"\bbegå (?:selvmord|%SELVMORD%)\b"),
    Rule("nb.jeg_tar_livet_av_meg", "active_ideation",
         r"\b(?:%JEG%|å|og) (?:tar|ta) livet av %MEG%\b"),
    Rule("nb.drepe_meg", "active_ideation",
         r"\b(?:drepe|dreper|drept|drepte|myrde) %MEG% selv\b"),
    Rule("nb.avslutte_livet", "active_ideation",
         r"\b(?:avslutte|avslutter|avsluttet|ende|ender|gjøre slutt på) (?:livet|livet mitt|"
         r"mitt liv|det hele|alt sammen|det|alt|alt nå)\b",
         unless=r"\b(?:avslutte|avslutter|avsluttet) det (?:med|i|på|før|etter)\b"),
    Rule("nb.vil_do", "active_ideation",
         r"\b(?:%NBWANT%|ønsker|ønske|håper å|fortjener å) (?:%JEG% )?(?:bare |egentlig |så |"
         r"gjerne |helst |virkelig )?(?:å )?(?:dø|døø|døøø|være død|slutte å leve|"
         r"slutte å eksistere|ikke eksistere)\b"),
    Rule("nb.tenker_do", "active_ideation",
         r"\b(?:tenker|tenkt|tanker|tenkte) (?:%JEG% )?(?:mye |ofte |mest |bare )?(?:på|"
         r"om) %G3%å dø\b|\b(?:tenker|tenkt|tanker|tenkte) (?:%JEG% )?(?:mye |ofte |mest |bare |"
         r"hele tiden )?(?:på|om) (?:døden|å dø|%SELVMORD%|å ta livet|å avslutte (?:livet|"
         r"det hele|alt))\b"),
    Rule("nb.selvmordstanker", "active_ideation",
         r"\b%SELVMORD%s?(?:tanker|tanke|tankene|tanken|planer|plan|fare|ønske|ønsker|impulser|"
         r"tendenser|trang)\b|\b%SELVMORD%\b(?!s?(?:forsøk|forsøket|"
         r"forsøkene))(?! ?(?:forebygging|statistikk|rate))",
         unless=r"\b(?:døde|døden|begikk|tok) (?:i |av |ved )?%SELVMORD%\b"),
    Rule("nb.suicidal", "active_ideation", r"\bsuicidal[et]?\b|\bsuisidal[et]?\b"),
    Rule("nb.vil_ikke_leve", "active_ideation",
         r"\b(?:vil|ville|orker|gidder|klarer|ønsker|lyst til å|lyst å|har lyst|"
         r"har lyst til) (?:%JEG% )?(?:bare |egentlig |virkelig |liksom |rett og slett |"
         r"helst )?ikke (?:å )?(?:leve|være i live|eksistere|lenger leve|leve mer|"
         r"leve lenger)\b|\bikke (?:så |noe |særlig |lenger |mer |egentlig |noen )?lyst (?:til )?"
         r"(?:å )?(?:leve|være i live|eksistere)\b|"
         r"\borker ikke (?:livet|å leve|leve)\b",
         negatable=False),
    Rule("nb.ingen_grunn", "active_ideation",
         r"\b(?:ingen|ikke noen|ikke noe|mistet) %G1%(?:grunn|grunner|mening) (?:til |"
         r"med )?(?:å )?(?:leve|fortsette|være her|å leve|livet)\b|\bingenting å leve for\b",
         negatable=False),
    # ------------------------------------------------------------------ self harm
    Rule("nb.sh_kutte", "self_harm",
         r"\b(?:kutte|kutter|kuttet|kutta|skar|skjære|skjærer|skåret|risper|rispet|rispa|rispe|"
         r"risse|risser|risset|klorer|klort|klore|kloret|brenne|brenner|brant|"
         r"brent) %MEG%(?: selv)?\b(?! (?:til ro|ned|sammen|av|opp|på tv|fast|i hjel tiden|løs|"
         r"fri|frem|i kast|i snakk|inn))",
         unless=NB_ACCIDENT + r"|\bslå %MEG% (?:til ro|ned|sammen)\b|\bslår %MEG% (?:til ro|ned|"
                              r"sammen)\b|\bslo %MEG% (?:til ro|ned|sammen)\b",
         past_ok=True),
    Rule("nb.sh_meg_selv", "self_harm",
         r"\b(?:kutte|kutter|kuttet|skar|skjære|brenne|brenner|brant|slå|slår|slo|skade|skader|"
         r"skadet|skada|straffe|straffer|straffet|sulte|sulter|sultet) %MEG% selv\b|"
         r"\b%JEG% (?:har )?%G1%(?:slår|slo|slått|skader|skadet|skada|straffer|straffet|sulter|"
         r"sultet|lugger|slå|skade) %MEG%\b(?! (?:til ro|ned|sammen|av|opp|på|i|fri|løs|frem|"
         r"inn|med|ut))",
         unless=r"\b(?:falt|sykkel\w*|fotball|trening|skled|snublet|uhell)\b",
         past_ok=True),
    Rule("nb.sh_selvskading", "self_harm",
         r"\bselvskad\w*|\bskader %MEG% selv\b|\bselvskade\w*",
         past_ok=True),
    Rule("nb.sh_blod", "self_harm",
         r"\btil (?:det|de|jeg) (?:blør|blødde|begynte å blø)\b|\btil blods\b",
         past_ok=True),
    Rule("nb.sh_overdose", "self_harm",
         r"\b(?:tatt|tok|svelget|svelgede|har tatt) (?:en )?(?:overdose|od)\b|\b(?:tatt|tok|"
         r"svelget|har tatt) (?:alle|masse|mange|hele|en hel|et helt|to|tre|\d+|resten av|"
         r"for mange|altfor mange|en haug med|en boks med|et brett|et glass) %G1%(?:med |"
         r"av )?%MEDS%",
         unless=r"\b(?:ved en feil|ved et uhell|som legen sa|foreskrevet|som vanlig|som normalt|"
                r"hver (?:dag|morgen|kveld)|morgendosen|kveldsdosen|dosen min|som anbefalt)\b",
         past_ok=True),
    # ------------------------------------------------------------------ past attempt
    Rule("nb.past_tried", "past_attempt",
         r"\b(?:prøvd|prøvde|prøver|forsøkt|forsøkte) (?:å )?(?:ta livet (?:mitt|av %MEG%)|"
         r"ta mitt (?:eget )?liv|ta selvmord|begå selvmord|drepe %MEG% selv|dø|avslutte livet|"
         r"henge %MEG%|%SELVMORD%)\b",
         attempt=True),
    Rule("nb.past_attempt_noun", "past_attempt",
         r"\b%SELVMORD%s?(?:forsøk|forsøket|forsøkene|forsøkt)\b|\boverdose (?:for|da|som)\b",
         attempt=True),
    Rule("nb.past_pleide", "past_attempt",
         r"\b(?:pleide å|pleide) (?:kutte|skade|brenne|risse|rispe|slå) %MEG%\b|"
         r"\btidligere (?:selvskading|selvmordsforsøk|overdose)\b"),
    # ------------------------------------------------------------------ harm to others
    Rule("nb.hto", "harm_to_others",
         r"\b(?:redd (?:for )?(?:at )?%JEG% (?:skal|kommer til å|kan|vil)|tanker om å|"
         r"lyst (?:til )?å|kommer til å|skal|vil|tenker på å|tenkt på å|impulser til å|"
         r"trang til å|fantaserer om å|har lyst (?:til )?å) %G2%(?:skade|drepe|slå|kvele|stikke|"
         r"riste|drukne|skyte|kvele|mishandle|ta livet av|angripe|"
         r"banke opp) %NBOTHERS%(?! (?:av|opp|i sjakk|i kort|til ro)\b)",
         unless=r"\b(?:slå av|slå på|slå opp|slå meg til ro|i sjakk|tiden|haha|lol)\b"),
    Rule("nb.hto_slaa_ihjel", "harm_to_others",
         r"\b(?:slå|slår|slo|banke|banker) %G3%i hjel\b",
         unless=r"\b(?:i hjel (?:tiden|tida|tid)|(?:tiden|tida) i hjel|kjeder meg i hjel|kjedet meg i hjel)\b|"
                r"\bslo i hjel tiden\b"),
    # ------------------------------------------------------------------ abuse
    Rule("nb.abuse_slaar_meg", "abuse",
         r"\b%NBABUSER% %G2%(?:slår|slo|slått|sparker|sparket|dytter|dyttet|kveler|kvelte|truer|"
         r"truet|tvinger|tvang|voldtok|voldtar|misbruker|misbrukte|skader|skadet|mishandler|"
         r"mishandlet|banker|banket|river|lugger|lugget|holder|tar på|tok på|befølte|beføler|"
         r"truer med å \w+|forfølger) (?:meg|oss|mæ|barna|ungene|\w+ (?:min|mi|mitt|mine)|"
         r"lillesøsteren \w+|lillebroren \w+)\b(?! (?:i sjakk|i kort|i spill|opp|på tv|til ro|"
         r"på målstreken|i mål|på tid|i konkurransen))",
         unless=r"\b(?:i sjakk|i kort|på tennis|i spillet|i fotball|på quiz)\b"),
    Rule("nb.abuse_disclosure", "abuse",
         r"\b(?:utsatt for (?:vold|overgrep|voldtekt|mishandling|trusler|seksuelle)|"
         r"vold (?:i hjemmet|hjemme|i familien|i forholdet)|voldtatt|voldtekt|voldtok|"
         r"seksuelt misbrukt|misbrukt|overgrep|mishandlet|mishandling|familievold|partnervold|"
         r"seksuell trakassering|tvunget til sex|redd for (?:mannen|kona|samboeren|kjæresten|"
         r"faren|stefaren|eksen)(?: min| mi)?|ikke trygg hjemme|utrygg hjemme|truet på livet)\b"),
    Rule("nb.abuse_truet", "abuse",
         r"\b(?:blir|ble|har blitt|er blitt) %G1%(?:truet|slått|banket|sparket|dyttet|kvalt|"
         r"mishandlet|misbrukt|forfulgt|tvunget)\b(?! (?:ut|av|opp|i sjakk|i kort))",
         unless=r"\b(?:sykdommen|influensa\w*|konkurransen|kamp\w*|i sjakk|i kort|av tanken|"
                r"med undring|av latter|\d+ \d+|laget|serien|finalen|cupen|turneringen|"
                r"bortekamp\w*|hjemmekamp\w*|quiz|tennis|fotball|håndball|hockey|ut av cupen|"
                r"poeng|mål)\b"),
    Rule("nb.abuse_threat", "abuse",
         r"\btru(?:er|et|a) (?:meg )?med å (?:drepe|skade|slå|ta) (?:meg|oss|barna|"
         r"livet av meg)\b"),
    # ------------------------------------------------------------------ passive ideation
    Rule("nb.pass_ikke_vaakne", "passive_ideation",
         r"\bikke (?:å )?våkn(?:e|et|er|a)\b|\baldri (?:å )?våkn(?:e|et|er|a)\b|"
         r"\bsovne (?:inn )?og (?:aldri|ikke) våkne\b",
         requires=r"\b(?:ønske|ønsker|håper|vil|brydd|gjort noe|hadde vært|om %JEG%|hvis %JEG%|"
                  r"slippe|lyst|greit|deilig|bedre)\b",
         negatable=False),
    Rule("nb.pass_bedre_uten", "passive_ideation",
         r"\b(?:bedre|lettere|enklere) (?:uten meg|uten %MEG%|for alle (?:uten meg|om|hvis))\b|"
         r"\b(?:hatt det|klart seg|vært) (?:mye )?(?:bedre|lettere|enklere) uten %MEG%\b"),
    Rule("nb.pass_ikke_fantes", "passive_ideation",
         r"\bønske\w* (?:%JEG% )?(?:at )?(?:%JEG% )?(?:bare )?(?:ikke (?:fantes|eksisterte|"
         r"var her|levde|var født)|var død|aldri (?:var|ble|hadde blitt) født|kunne (?:dø|"
         r"forsvinne|slutte å eksistere)|døde|ikke våknet|sovnet og ikke våknet|ble borte)\b|"
         r"\b(?:skulle|skal) ønske (?:at )?%JEG% (?:var død|ikke fantes|døde)\b",
         negatable=False),
    Rule("nb.pass_vitsen", "passive_ideation",
         r"\b(?:hva er vitsen|hva er poenget|ingen vits|ikke noen vits|ingen mening|"
         r"ikke noe poeng|hvorfor skal jeg) (?:med |i |å )?(?:å )?(?:leve|livet|å leve|være her|"
         r"å være her|fortsette|å fortsette|leve videre)\b",
         negatable=False),
    Rule("nb.pass_orker_ikke_mer", "passive_ideation",
         r"\b(?:orker|klarer|takler|gidder) ikke mer\b(?! (?:av|med|jobb|mas|\w+ (?:nå|i dag)))|"
         r"\b(?:orker|klarer) ikke (?:dette|mer av dette|livet) (?:lenger|mer)\b|"
         r"\bklarer ikke å (?:fortsette|leve) (?:sånn|slik|lenger|mer)\b",
         negatable=False),
    Rule("nb.pass_forsvinne", "passive_ideation",
         r"\b(?:vil|ville|lyst til å|lyst å|ønsker å|bare|kunne) (?:bare )?(?:å )?(?:forsvinne|"
         r"bli borte|slutte å finnes)\b|\bforsvinne for (?:alltid|godt)\b"),
    Rule("nb.pass_lettere_ikke_her", "passive_ideation",
         r"\b(?:lettere|bedre|enklere|greit|lykkeligere|gladere|bedre stilt|lettet|fint|"
         r"bedre av) (?:for alle )?(?:om|hvis|når|"
         r"dersom) %JEG% (?:ikke (?:var|fantes|levde|var her|eksisterte)|var borte|var død|døde|"
         r"forsvant)\b",
         negatable=False),
    Rule("nb.pass_lei_av_livet", "passive_ideation",
         r"\b(?:lei av|sliten av|ferdig med|trøtt av|dritlei av) (?:å leve|livet|å være i live|"
         r"å eksistere)\b"),
    Rule("nb.pass_ikke_verdt", "passive_ideation",
         r"\blivet (?:er|føles) (?:ikke verdt|meningsløst|uten mening)\b|\bikke verdt å leve\b",
         negatable=False),
    Rule("nb.pass_vil_ikke_vaakne", "passive_ideation",
         r"\b(?:vil|ønsker|gidder|orker|har lyst til) ikke (?:å )?våkne\b",
         negatable=False),
    Rule("nb.pass_byrde", "passive_ideation",
         r"\b(?:en )?byrde for (?:alle|familien|andre|dem|de rundt meg|folk)\b"),
    Rule("nb.pass_ikke_brydd", "passive_ideation",
         r"\b(?:hadde ikke brydd meg|bryr meg ikke|ville ikke brydd meg|hadde ikke gjort noe|"
         r"gjør ikke noe) (?:om|hvis) %G3%(?:døde|dør|ikke våknet|ble påkjørt|forsvant|"
         r"var borte)\b",
         negatable=False),
    Rule("nb.pass_ikke_vaere_her", "passive_ideation",
         r"\b(?:vil|ønsker|orker|gidder|har lyst til å|lyst å) (?:%JEG% )?(?:bare |egentlig )?ikke "
         r"(?:å )?være (?:her|til|på jorda|i verden) (?:lenger|mer)\b",
         negatable=False),
    Rule("nb.pass_like_gjerne_dod", "passive_ideation",
         r"\blike (?:gjerne|godt) (?:vært|være|være helt) død\b|\blike gjerne dø\b"
         r"|\bsove (?:for alltid|for godt|og aldri våkne)\b|\bsovne for godt\b"),
    Rule("nb.pass_heller_dod", "passive_ideation",
         r"\b(?:heller|helst) (?:være )?død\b"),
)

# =====================================================================================
# Rule families added after the probe-set review (general patterns, not sentences).
# =====================================================================================
RULES = RULES + (
    # ---------------------------------------------------------- plan / intent
    # giving away one's own possessions (warning sign in itself; clothes/charity excluded)
    Rule("nb.plan_give_away_things", "plan_or_intent",
         r"\b(?:gir|ga|gitt|gi|gav|begynt å gi) bort (?:alle |alt av )?(?:tingene|eiendelene|"
         r"sakene|alt) (?:mine|mitt)\b|\b(?:katten|hunden|dyrene|kaninen) (?:min |mi |mine )?"
         r"(?:er|blir|ble) (?:gitt bort|omplassert)\b",
         unless=r"\b(?:fretex|loppemarked|flytte\w*|flytter|rydde\w*|ryddet|bruktbutikk|"
                r"finn\.no|allergi\w*)\b", distress_overrides=True),
    # affairs in order (testament + giving away / everything arranged)
    Rule("nb.plan_affairs", "plan_or_intent",
         r"\btestament\w*|\b(?:ordna|ordnet|fiksa|fikset|ryddet opp i) alt\b|\balt er "
         r"(?:ordnet|ordna|i orden|på plass)\b",
         requires=r"\b(?:testament\w*|gitt bort|gi bort|ga bort|farvel|avskjed|brev til|"
                  r"forsikring\w*|passord\w*|omplassert)\b"),
    # letters to loved ones "in case"
    Rule("nb.plan_letters", "plan_or_intent",
         r"\b(?:skrevet|skrev|skriver|skrive|lagt igjen|lagd|laget|spilt inn) (?:et |noen |"
         r"en |et par )?(?:brev|lapper|lapp|meldinger|video\w*) til %G2%(?:ungene|barna|"
         r"familien|kona|mannen|samboeren|mamma|pappa|foreldrene|vennene|alle|søsteren|"
         r"broren|sønnen|datteren)\b",
         requires=r"\b(?:i tilfelle|hvis noe skjer|om noe skjer|når %JEG% er borte|etter at "
                  r"%JEG%|farvel|unnskyld|forklare hvorfor|for å forklare)\b"),
    # doing "it" at a set time, once decided
    Rule("nb.plan_decided_do_it", "plan_or_intent",
         r"\b(?:gjør|skal gjøre|kommer til å gjøre|vil gjøre|gjøre) det %NBTIME%",
         requires=r"\b(?:bestemt %MEG%|har bestemt|orker ikke (?:mer|lenger)|farvel|ferdig med "
                  r"(?:alt|livet)|ta livet|selvmord|ikke være her|siste gang)\b"),
    # the means/place/date is chosen
    Rule("nb.plan_method_chosen", "plan_or_intent",
         r"\b(?:vet|visste|har funnet|funnet|valgt|valgte|bestemt) (?:meg for )?(?:akkurat )?"
         r"(?:hvilken|hvilket|hvor|hvordan|stedet|måten|når) %G2%%JEG% (?:skal|vil|kommer til å|"
         r"ville) (?:bruke|hoppe|gjøre det|henge|ta)\b|\b(?:valgt|satt|bestemt meg for) "
         r"(?:en )?(?:dato|dag)\b(?! (?:for|til|på)\b)",
         unless=r"\b(?:bryllup\w*|fest\w*|flytting\w*|ferie\w*|tur\w*|time\w*|intervju\w*|"
                r"bursdag\w*|møte\w*|operasjon\w*|eksamen|middag|dåp\w*|konfirmasjon\w*)\b"),
    Rule("nb.plan_research", "plan_or_intent",
         r"\b(?:smertefri\w*|raskeste|enkleste|sikreste|beste) (?:måte|måten|måter|metode\w*) "
         r"(?:å|til å|for å) (?:dø|gjøre det|ta livet|forsvinne|avslutte)\b|\b(?:googla|"
         r"googlet|søkt|søkte|lest om|sjekket|sjekka|undersøkt) %G3%(?:dødelig\w*|overdose|"
         r"hvor lang tid det tar å dø|hvordan man dør|hvordan (?:henge|ta livet))\b"),
    # take everything at once (after V2 normalisation "i kveld jeg tar alle pillene")
    Rule("nb.plan_take_all_now", "plan_or_intent",
         r"\b(?:tar|svelger|ta|svelge) (?:alle|hele|resten av|hele brettet med|hele glasset med) "
         r"%G1%%MEDS% %G2%(?:på en gang|samtidig|i kveld|i natt|nå|med alkohol|med vin|"
         r"med sprit)\b|\b(?:i kveld|i natt|snart|nå) %JEG% (?:tar|svelger) (?:alle|hele|"
         r"resten av) %G1%%MEDS%"),
    # ---------------------------------------------------------- self harm
    Rule("nb.sh_body_object", "self_harm",
         r"\b(?:kutte|kutter|kuttet|kutta|skar|skjære|skjærer|brente|brent|brenne|brenner|"
         r"risper|rispet|rispa|rispe|risset|risser|klorte|klort|klorer|klore) (?:%MEG% )?"
         r"(?:i |på |opp )?%NBBODY%(?: min| mine| mitt)?\b",
         unless=NB_ACCIDENT, past_ok=True),
    Rule("nb.sh_intentional", "self_harm",
         r"\b(?:tok|tatt|tar|svelget|svelga|svelger) %G4%%MEDS% %G6%(?:med vilje|med hensikt|"
         r"for å slippe å (?:kjenne|føle)|for å ikke (?:kjenne|føle)|for å straffe %MEG%|"
         r"for å sove for godt|i håp om å ikke våkne)\b|\b(?:brente|brent|kuttet|kutta|skar|"
         r"rispet|risset|klorte|slo|slått|slår|bet|sultet|dunket|dunker) (?:%MEG%|%G2%%NBBODY%|"
         r"hodet|håret|veggen) %G6%(?:med vilje|med hensikt|for å straffe %MEG%|for å kjenne "
         r"(?:noe|smerte)|fordi %JEG% fortjener det|til det gjorde vondt)\b",
         past_ok=True),
    Rule("nb.sh_as_coping", "self_harm",
         r"\b(?:det eneste som hjelper|det som hjelper|hjelper bare|roer meg ned) %G3%(?:er )?"
         r"(?:å )?(?:kutte|skade|brenne|risse|rispe|slå) (?:%MEG%|%MEG% selv)\b|\b(?:savner|"
         r"trang til å|sug etter å) (?:å )?(?:kutte|skade %MEG%|risse|rispe)\b"),
    # ---------------------------------------------------------- past attempt
    Rule("nb.past_attempt_bare", "past_attempt",
         r"\b(?:forrige|siste|første|andre|tidligere|mitt|det forrige) forsøk(?:et)?\b"
         r"(?! (?:på|med|å)\b)",
         unless=r"\b(?:eksamen|oppkjøring\w*|førerprøve\w*|slank\w*|røykeslutt|slutte å røyke|"
                r"kake\w*|prøve|intervju\w*|maraton|løp\w*|rekord|passord|kurs\w*|lekse\w*)\b",
         attempt=True),
    # ---------------------------------------------------------- passive ideation
    Rule("nb.pass_ingen_merke", "passive_ideation",
         r"\bingen (?:ville|hadde|kommer til å|vil|skulle) (?:engang |en gang |vel )?(?:merke\w*|"
         r"savne\w*|bry\w* seg|brydd seg|gråte\w*|grått|bry seg) %G3%(?:om|hvis|når|dersom) "
         r"%JEG% (?:var|ble|er) (?:borte|død|vekk)|\bingen (?:ville|hadde|vil) (?:engang )?"
         r"(?:merke\w*|savne\w*|brydd seg|gråte\w*) %G3%(?:om|hvis|når) %JEG% (?:døde|dør|"
         r"forsvant|forsvinner|ikke var her|tok livet)\b",
         negatable=False),
    Rule("nb.pass_lykkeligere_uten", "passive_ideation",
         r"\b(?:lykkeligere|gladere|bedre|lettere|enklere|bedre stilt|friere|lettet) "
         r"(?:om|hvis|dersom|når|uten) (?:%JEG% (?:var|er|ble) (?:borte|død|ikke her)|%MEG%)\b",
         negatable=False),
    Rule("nb.pass_lever_eller_dor", "passive_ideation",
         r"\b(?:bryr %MEG% ikke|gir blaffen|driter i|spiller ingen rolle|samma for meg) "
         r"(?:om|hvis|enten) %JEG% (?:lever|dør|våkner|overlever)\b",
         negatable=False),
    Rule("nb.pass_lei_av_eksistere", "passive_ideation",
         r"\b(?:lei av|sliten av|ferdig med|orker ikke) (?:å )?(?:eksistere|være til|puste)\b|"
         r"\bskulle ønske (?:alt|livet|det) bare (?:tok slutt|sluttet|var over)\b"),
    # ---------------------------------------------------------- harm to others
    # first-person present/future violent act against a person ("så stikker jeg ham ned")
    Rule("nb.hto_present", "harm_to_others",
         r"\b%JEG% (?:stikker|knivstikker|dreper|skyter|kveler|slår ihjel|tar livet av|"
         r"banker opp|banker|kverker) %NBOTHERS%\b|\b(?:stikke|stikker|stakk) %NBOTHERS% ned\b",
         unless=r"\b(?:spill\w*|fortnite|minecraft|runde|lol|haha|tiden|prosess\w*|i sjakk)\b"),
    # weapon carried / brought to a place
    Rule("nb.hto_weapon", "harm_to_others",
         r"\b(?:ta|tar|tok|tatt|ha|har|bære|bærer|gå|går|gikk|begynt å gå|ta med) (?:med )?"
         r"(?:hagla|haglen|geværet|gevær|børsa|pistolen|pistol|våpenet|våpen|en kniv|kniven|"
         r"kniv|øks|øksa|balltre|balltreet) %G6%(?:på|til) (?:jobb|jobben|skolen|skole|"
         r"kontoret|huset (?:hans|hennes|deres)|møtet|festen)\b|\b(?:gå|går|gikk|begynt å gå|"
         r"har|bærer|bære) (?:rundt )?med (?:kniv|våpen|pistol|en kniv)\b",
         unless=r"\b(?:jakt\w*|fiske\w*|kjøkken\w*|kokk|matlaging|speider\w*|tur\w*|hytta)\b"),
    Rule("nb.hto_ta_med_barna", "harm_to_others",
         r"\bta (?:med )?(?:meg )?(?:med )?%NBKIDS% (?:med (?:meg )?)?(?:i døden|når %JEG% "
         r"(?:går|dør|gjør det|tar livet)|hvis %JEG% (?:går|dør))\b(?! (?:til|på|ut|hjem|fra|"
         r"i|tur|og|en|for|over|inn|bort)\b)"),
    # ---------------------------------------------------------- abuse
    Rule("nb.abuse_reported_threat", "abuse",
         r"\b%NBABUSER% (?:sa|sier|har sagt|truet med|truer med|skrev|sverget på) (?:at )?"
         r"(?:han|hun|de)? ?(?:skulle|skal|kommer til å|ville|vil)? ?(?:å )?(?:drepe|skade|slå|"
         r"ta livet av|banke|voldta|ta ungene fra|ta barna fra) (?:meg|oss|ungene|barna)\b"),
    Rule("nb.abuse_control", "abuse",
         r"\b%NBABUSER% %G1%(?:lar|lot) (?:meg|oss) ikke\b|\b%NBABUSER% %G1%(?:nekter|nektet) "
         r"(?:meg|oss) å\b|\bfår ikke lov (?:til )?å (?:gå ut|treffe|møte|ha|snakke|jobbe|"
         r"ringe)\b|\b(?:tar|tok|kontrollerer|kontrollerte|sjekker|sjekket|gjemmer|gjemte|"
         r"leser) (?:telefonen|mobilen|pengene|bankkortet|passet|lønna|lønnen|meldingene|"
         r"nøklene) (?:min|mine|mitt|mi)\b",
         unless=r"\b(?:innetid|husarrest|lekse\w*|tenåring\w*|eksamen)\b", negatable=False),
    Rule("nb.abuse_violent_person", "abuse",
         r"\b%NBABUSER% %G2%(?:blir|er|ble|kan bli|var|begynner å bli) (?:så |veldig |helt )?"
         r"(?:voldelig|voldsom|truende|håndgripelig)\b|\b(?:redd|livredd|skrekkslagen) (?:for å|"
         r"til å) (?:dra|gå|komme|reise) hjem\b|\b(?:tar|tok|tatt|holdt|holder) (?:meg i |"
         r"%G1%)?(?:kvelertak|strupetak)(?: på %MEG%)?\b|\b%NBABUSER% %G2%(?:tar|tok|holder|"
         r"holdt) (?:meg )?rundt halsen\b"),
    Rule("nb.abuse_sexual_euphemism", "abuse",
         r"\b%NBABUSER% %G1%(?:kommer|kom|sniker seg|snek seg|kryper|krøp) inn (?:på|i) "
         r"(?:rommet|soverommet|senga|sengen)(?: mitt| min| mi)?\b|\b(?:tvinger|tvang|presser|"
         r"presset|pressa) (?:meg|oss|henne|ham) (?:til å )?(?:ha sex|gjøre ting|ta på|sende "
         r"(?:nakenbilder|bilder))\b|\btar på meg (?:der|når|om natta|om natten|og %JEG%)\b"),
    Rule("nb.abuse_child_signs", "abuse",
         r"\b%NBKIDS% %G4%(?:har|hadde|kommer med|er fulle? av|med) (?:alltid |stadig |ofte |"
         r"igjen |nye |masse |mange )?%G1%(?:blåmerker|blåveis|brannmerker|merker etter slag|"
         r"skader)\b|\b%NBKIDS% %G3%(?:er|virker) (?:redd|livredd) (?:for å|for) (?:gå|dra|"
         r"komme) hjem\b",
         requires=r"\b(?:alltid|stadig|ofte|igjen|masse|mange|fulle? av|hver|redde?|"
                  r"skriking|skrik|roping)\b",
         unless=r"\b(?:fotball|falt|sklei|skled|lekte|trening|ramlet|sykkel\w*|akte)\b"),
    Rule("nb.abuse_hear_violence", "abuse",
         r"\b(?:hører|hørte|hørt) %G4%(?:skriking|skrik|slag|dunking|gråt og roping|at de "
         r"slår|at han slår|at hun slår)\b",
         requires=r"\b(?:nabo\w*|ved siden av|gjennom veggen|oppe|nede|barna|ungene|barnet|"
                  r"ungen)\b",
         unless=r"\b(?:lekeplassen|fest\w*|spill\w*|film\w*|tv|fotball|moro|latter)\b"),
    Rule("nb.abuse_hurt_own_child", "abuse",
         r"\b%JEG% (?:har )?%G4%(?:slo|slår|slått|ristet|rister|ristet|sparket|dyttet|kløp|"
         r"lugget|klapset|denget|kastet|tok kvelertak på) %NBKIDS%\b",
         unless=r"\b(?:ved et uhell|uhell|ballen|lek\w*|spill\w*|i sjakk|i kort|kiling)\b"),
)
