"""Norwegian (bokmål) risk rules.

Patterns are written with æ/ø/å; ``rules_common.fold_nb`` lets them also match
text typed as ae/oe/aa or plain a/o.
"""

from __future__ import annotations

from bot.safety.rules_common import Rule

NB_ACCIDENT = (
    r"\b(?:uhell|ved et uhell|ved en feil|papir\w*|arket|kniven|glass\w*|boksen|lagde mat|"
    r"laget mat|matlaging|kjøkkenet|stekepanna|stekepannen|kjelen|ovnen|komfyren|strykejernet|"
    r"falt|sykkel\w*|fotball|trening|skled|snublet|barberte)\b"
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
         r"å gjøre det|selvmord|å avslutte|å hoppe|å henge)|\bplanlegger %G2%(?:selvmord|"
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
         r"leve lenger)\b|\bikke lyst (?:til )?(?:å )?(?:leve|være i live|eksistere)\b|"
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
         unless=r"\b(?:ved en feil|ved et uhell|som legen sa|foreskrevet)\b",
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
         r"banke opp) %NBOTHERS%(?! (?:av|opp|på|i sjakk|i kort|til ro))",
         unless=r"\b(?:slå av|slå på|slå opp|slå meg til ro|i sjakk|tiden|haha|lol)\b"),
    Rule("nb.hto_slaa_ihjel", "harm_to_others",
         r"\b(?:slå|slår|slo|banke|banker) %G3%i hjel\b",
         unless=r"\b(?:i hjel tiden|tiden i hjel|kjeder meg i hjel|kjedet meg i hjel)\b|"
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
         unless=r"\b(?:sykdommen|influensa\w*|konkurransen|kampen|i sjakk|i kort|av tanken|"
                r"med undring|av latter)\b"),
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
         r"\b(?:lettere|bedre|enklere|greit) (?:for alle )?(?:om|hvis|"
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
