"""English risk rules (matched against normalised text, see rules_common)."""

from __future__ import annotations

from bot.safety.rules_common import Rule

# Innocent contexts for medication / height questions (suppress unless distress).
MED_INNOCENT = (
    r"\b(?:headache|head ache|migraine|pain|painful|fever|cold|flu|period|cramps|toothache|"
    r"tooth|back|per day|a day|in a day|daily|prescribed|prescription|with food|safe to|safely|"
    r"for my (?:dog|cat|child|son|daughter|kid)|hodepine|vondt|smerter|feber|forkjølelse|"
    r"per dag|om dagen|på en dag|resept|trygt|med mat)\b"
)
ACCIDENT = (
    r"\b(?:accident|accidentally|by mistake|kettle|oven|stove|hob|iron|pan|tray|toaster|cooking|"
    r"baking|chopping|onions?|paper|fell|fall|falling|slipped|tripped|bike|football|rugby|gym|"
    r"running|sport|shaving|gardening|finger|fingers|thumb|knife slipped|dog|cat|dishes|"
    r"glass|diy|work|training|match|game)\b"
)

RULES: tuple[Rule, ...] = (
    # ------------------------------------------------------------------ plan / intent
    Rule("en.plan_at_the_place_now", "plan_or_intent",
         r"\b(?:im|i am|i m|standing|sitting) (?:at|on) (?:the )?(?:edge of the )?(?:bridge|roof|rooftop|cliff|"
         r"edge|train tracks|tracks|platform edge|top of the (?:car park|building|multi ?storey))\b"
         r"(?! (?:party|bar|restaurant|cafe|club))"),
    Rule("en.plan_stockpile", "plan_or_intent",
         r"\b(?:sav\w*|stockpil\w*|hoard\w*|collect\w*|stor(?:ing|ed)|stash\w*|hid(?:ing|den|"
         r"e)?|keep(?:ing)?|kept|squirrel\w*) (?:up )?(?:all )?(?:of )?(?:my |the |some |"
         r"enough |extra )?%G1%%MEDS%"),
    Rule("en.plan_have_means_ready", "plan_or_intent",
         r"\b(?:have|got|ve got|bought|buy|buying|ordered) (?:the |my |all the |"
         r"enough )?%G1%%MEDS% %G1%(?:ready|lined up|counted|set aside|here|in front of me)"),
    Rule("en.plan_take_all", "plan_or_intent",
         r"\b(?:going to|gonna|will|ll|plan to|planning to|about to|want to|decided to) (?:take|"
         r"swallow|down) (?:all|every one of|the whole|a whole|loads of|lots of|a bunch of|"
         r"\d+ of) %G1%(?:my |the |of |these |those )?%G1%%MEDS%"),
    Rule("en.plan_overdose_future", "plan_or_intent",
         r"\b(?:going to|gonna|will|ll|plan to|planning to|want to|"
         r"about to) (?:take an )?(?:overdose|od)\b"),
    Rule("en.plan_lethal_question", "plan_or_intent",
         r"\b(?:how (?:many|much) %G3%(?:would|does|do|will|should|is|it) %G2%(?:take|kill|"
         r"be lethal|be fatal|be enough|be deadly)|lethal dose|fatal dose|deadly dose|"
         r"overdose amount|lethal amount|(?:lethal|fatal|deadly) (?:amount|quantity)|"
         r"%MEDS% %G2%(?:would|will|could|to) %G1%(?:kill|be lethal|be fatal))\b",
         unless=MED_INNOCENT, distress_overrides=True),
    Rule("en.plan_how_to_die_question", "plan_or_intent",
         r"\b(?:how (?:high|tall|far|long|many|much|fast)|which|what) %G6%(?:to die|"
         r"to kill (?:myself|yourself|someone|a person|you)|to not wake|so i dont wake|"
         r"to end it|would kill|is lethal|be lethal|high enough|tall enough)\b"),
    Rule("en.plan_method_jump", "plan_or_intent",
         r"\b(?:jump\w*|leap\w*|throw\w* myself|step\w* out|walk\w* out|lie down|lying down|"
         r"lay down) (?:off |from |in front of |under |onto |on |into |out of |of )(?:a |the |"
         r"that |this |my |our )?%G1%%PLACE%"),
    Rule("en.plan_method_place_jump", "plan_or_intent",
         r"\b%PLACE% %G3%(?:jump|leap|throw myself)\b"),
    Rule("en.plan_standing_edge", "plan_or_intent",
         r"\b(?:standing|stood|sitting|sat) (?:on|at|by|near) (?:the |a )?(?:edge of (?:the |"
         r"a )?)?(?:bridge|roof|rooftop|ledge|edge|cliff|tracks|train tracks|railway|"
         r"platform edge)\b"),
    Rule("en.plan_method_hang", "plan_or_intent",
         r"\b(?:hang|hanging|hanged|strangle|suffocate|drown|gas|shoot|stab|poison|"
         r"electrocute)(?:ing)? %SELF%"),
    Rule("en.plan_method_wrists", "plan_or_intent",
         r"\b(?:slit|slash|slice|open) (?:my )?(?:wrists?|throat|veins?)\b"),
    Rule("en.plan_method_means", "plan_or_intent",
         r"\b(?:bought|buy|buying|got|ve got|have|has|found|keeping|hidden|hid|ordered|tied|"
         r"made) (?:a |the |some |my )?%G1%(?:noose|rope|ropes|razor blades?|blades|gun|shotgun|"
         r"charcoal|helium)\b",
         unless=r"\b(?:tent|camping|climbing|boat|sailing|garden|washing line|shaving|hunting|"
                r"range|bbq|barbecue|grill|balloons?|party|dog|swing|gym)\b",
         distress_overrides=True),
    Rule("en.plan_noose", "plan_or_intent", r"\bnoose\b"),
    Rule("en.plan_research_ways", "plan_or_intent",
         r"\b(?:ways|methods|how) (?:to|of) (?:die|dying|kill %SELF%|commit %SUICIDE%|end it|"
         r"end my life|%SUICIDE%|overdose|not wake up)\b|\b(?:planning|planned|plan|arranging) "
         r"my (?:own )?funeral\b"),
    Rule("en.plan_drive_crash", "plan_or_intent",
         r"\b(?:crash|drive|driving|steer|swerve) (?:my car |the car )?(?:into|off) (?:a |the )?"
         r"(?:wall|tree|bridge|cliff|lorry|truck|river|sea|oncoming traffic|road)\b"),
    Rule("en.plan_have_plan", "plan_or_intent",
         r"\b(?:have|got|made|making|ve made|ve got) (?:a |my |the )?plans? (?:to|for|how|"
         r"of how) %G3%(?:kill|die|end|suicide|do it|take my|overdose|jump|hang|not be here)"),
    Rule("en.plan_decided_how", "plan_or_intent",
         r"\b(?:decided|worked out|figured out|planned|planning|know|researched|looked up|"
         r"googled|searched) (?:how|when|where|exactly how) (?:i ll|ill|i will|im going to|"
         r"i am going to|im gonna|to|i would|id|i d) %G2%(?:do it|kill %SELF%|end it|die|"
         r"end my life|take my (?:own )?life|jump|hang)"),
    Rule("en.plan_kill_self_planned", "plan_or_intent",
         r"\bplann?(?:ed|ing)? %G2%(?:to )?(?:kill %SELF%|end my life|suicide|my suicide|"
         r"my death|to die|take my (?:own )?life)"),
    Rule("en.plan_time_do_it", "plan_or_intent",
         r"\b(?:going to|gonna|will|ll|plan to|planning to|about to|ready to|"
         r"decided to) (?:do it|end it(?: all)?|end my life|kill %SELF%|take my (?:own )?life|"
         r"go through with it|unalive %SELF%|say goodbye) %G2%(?:tonight|today|tomorrow|"
         r"this weekend|this week|soon|now|on (?:monday|tuesday|wednesday|thursday|friday|"
         r"saturday|sunday)|when|after|before)\b",
         unless=r"\b(?:homework|exercise|worksheet|task|assignment|thought record|diary|chores|"
                r"washing|laundry|report|essay)\b"),
    Rule("en.plan_time_first", "plan_or_intent",
         r"\b(?:tonight|today|tomorrow|this weekend|tonights the night|today is the day|"
         r"this is the night) %G3%(?:going to|gonna|will|ll|im|i am|is when) %G1%(?:do it|"
         r"end it|kill %SELF%|end my life|take my (?:own )?life|go through with it)",
         unless=r"\b(?:homework|exercise|worksheet|task|assignment|thought record|diary)\b"),
    Rule("en.plan_the_night", "plan_or_intent",
         r"\b(?:tonights the night|tonight is the night|today is the day|its time to go|"
         r"my time is up|im ready to go now)\b"),
    Rule("en.plan_goodbye", "plan_or_intent",
         r"\b(?:this is (?:my )?(?:goodbye|farewell)|this is the end|goodbye (?:everyone|"
         r"everybody|all|world|forever|cruel world|for good|for ever)|goodbye %G2%im done|"
         r"saying (?:my )?goodbyes|said my goodbyes|say my goodbyes|final goodbye|last goodbye|"
         r"last message|my last (?:day|night|message))\b"),
    Rule("en.plan_note", "plan_or_intent",
         r"\b(?:suicide|goodbye|farewell|final|last) (?:note|notes|letter|letters|message|"
         r"messages|video)\b|\b(?:written|wrote|writing|write|left) (?:my |a |the )?(?:note|"
         r"notes)(?! to (?:my )?(?:landlord|teacher|boss|self|myself|school|gp|doctor|"
         r"neighbour))(?: for (?:my )?(?:family|kids|mum|mom|husband|wife|partner))?\s*(?:\.|,|$)"),
    Rule("en.plan_after_gone", "plan_or_intent",
         r"\b(?:after|when|once|if|for when) (?:i m|im|i am|i ve|ive|i have) (?:gone|dead|"
         r"not here|no longer here)\b|\b(?:ll|will) be gone (?:by|soon|tomorrow|tonight)|"
         r"\bwont be (?:here|around|alive) (?:much longer|tomorrow|for long|by|anymore|any more)\b",
         negatable=False),
    Rule("en.plan_give_away", "plan_or_intent",
         r"\b(?:giv\w*|gave|handing|handed|left|leaving) (?:away )?(?:all )?(?:of )?(?:my|"
         r"all my) (?:things|stuff|belongings|possessions|everything|savings|pets?|cat|dog|"
         r"jewellery|jewelry)\b(?!%G2%(?:charity|shop|charity shop|the tip))",
         unless=r"\b(?:charity|charity shop|moving|move house|moving house|declutter\w*|"
                r"car boot|flytte\w*|flytter|fretex|loppemarked)\b", distress_overrides=True),
    Rule("en.plan_affairs", "plan_or_intent",
         r"\b(?:put|putting|got|getting|sorted|sorting) (?:out )?my affairs|\b(?:sorted|sorting|"
         r"written|wrote|updated|made) (?:out )?my will\b",
         requires=r"\b(?:goodbye|gone|die|dead|end it|done|suicide|kill|better off|dont need|"
                  r"wont need|given|gave)\b"),
    Rule("en.plan_overdose_now", "plan_or_intent",
         r"\b(?:pills|tablets) (?:are )?(?:in my hand|in front of me|next to me)\b"),
    # ------------------------------------------------------------------ active ideation
    Rule("en.kill_self", "active_ideation",
         r"\b%KILL% %SELF%|\b(?:killing|kill|murder) (?:myself|me) off\b"),
    Rule("en.end_life", "active_ideation",
         r"\b(?:end|ending|ended|take|taking|took) (?:my (?:own )?life|my own)\b"),
    Rule("en.end_it", "active_ideation",
         r"\b(?:to|just|should|gonna|wanna|about|could|might|will|ll|ready|d|want|going|plan|"
         r"thinking|think|thought|of|may|can|better) (?:just )?(?:end|ending) (?:(?:it|it all|"
         r"everything|things)\b(?! (?:with|between|off|for|there|here|at|early|on|up|by|in|"
         r"after|before)\b)|(?:this|this life|all this|all of this)(?= \.| ,| ?$| now| tonight| "
         r"today| once| for good| for ever| forever| pain| misery| suffering| life| existence| "
         r"nightmare| hell))"),
    Rule("en.end_it_all", "active_ideation", r"\bend (?:it )?all\b(?! the)"),
    Rule("en.suicidal", "active_ideation",
         r"\b%SUICIDE%(?:al)?\b(?! squad| prevention| awareness| rates?| statistics| bomb\w*|"
         r" mission| doors?| squeeze| run| pass)",
         unless=r"\b(?:died|dies|death|lost \w+|commited|committed) (?:by|to|from|of) suicide\b"),
    Rule("en.suicide_thoughts", "active_ideation",
         r"\b(?:%SUICIDE%|self harm|selfharm) (?:thoughts?|ideation|ideas?|urges?|feelings?|"
         r"plans?)\b"),
    Rule("en.commit_suicide", "active_ideation",
         r"\b(?:commit|commiting|committing|committed) %SUICIDE%\b"),
    Rule("en.want_die", "active_ideation",
         r"\b(?:%WANT%|wanna|wana) (?:to )?(?:just |really |honestly |so |literally |"
         r"simply )?(?:die|diie|be dead|stop existing|not exist|cease to exist|stop living|"
         r"not be alive)\b"
         # die/dye homophone: "I want to die my hair pink"
         r"(?! (?:my|your|his|her|their|the|it|them|this|that|a|some) (?:\w+ )?(?:hair|"
         r"clothes|shirt|jeans|eggs|fabric|wool|beard|roots|dress|jacket|pink|blue|red|black|"
         r"green|purple|blonde|brown)\b)"),
    Rule("en.think_die", "active_ideation",
         r"\b%THINK% (?:about|of) (?:dying|death|being dead|ending it|ending everything|"
         r"ending my life|killing %SELF%|suicide|taking my (?:own )?life|not being alive|"
         r"unaliving|sewer slide|%SUICIDE%)\b"),
    Rule("en.thoughts_of_ending", "active_ideation",
         r"\bthoughts? (?:of|about) (?:ending|taking) (?:my|it)\b"),
    Rule("en.dont_want_live", "active_ideation",
         r"\b(?:dont|do not|didnt|no longer|not|never|doesnt) (?:really |even |wanna |want to |"
         r"wish to |want |feel like |care to |need to |plan to )+(?:live|be alive|exist|"
         r"be living|keep living|go on living|carry on living|stay alive|"
         r"wake up alive)\b(?! (?:in|with|near|at|there|somewhere|abroad|alone|together|"
         r"like that|a lie)\b)",
         negatable=False),
    Rule("en.no_reason_live", "active_ideation",
         r"\b(?:no|not a single|not one|not any|nothing (?:left )?to|dont have a|dont have any|"
         r"lost my|cant find a|cant find any|no more) %G1%(?:reasons? to (?:live|go on|"
         r"keep going|stay|be alive|keep living|carry on)|to live for|reasons? for living)\b",
         negatable=False),
    Rule("en.slang_kms", "active_ideation", r"\b(?:kms|kmss|kmsl|k m s)\b"),
    Rule("en.slang_kys", "active_ideation", r"\bkys\b"),
    Rule("en.slang_unalive", "active_ideation",
         r"\bun ?aliv(?:e|ing|ed|es)\b"),
    Rule("en.slang_sewerslide", "active_ideation",
         r"\bsewer ?slid(?:e|ing|al)\b|\bsewerslide\b|\bsoup ?slide\b"),
    Rule("en.slang_selfdelete", "active_ideation",
         r"\bself ?delet(?:e|ing|ed|ion)\b|\bdelete (?:myself|my self)\b"),
    Rule("en.slang_ctb", "active_ideation", r"\bctb\b"),
    Rule("en.slang_catch_bus", "active_ideation",
         r"\bcatch(?:ing)? the bus\b",
         requires=r"\b(?:if you know what i mean|iykwim|for good|permanently|forever|final|"
                  r"one last time|never come back|end it)\b"),
    Rule("en.off_myself", "active_ideation", r"\boff(?:ing)? %SELF%"),
    Rule("en.suicide_only_option", "active_ideation",
         r"\b(?:death|dying|suicide|ending it) (?:is|feels like|seems like|would be) (?:the|"
         r"my) (?:only|best|last|easiest) (?:option|way out|choice|answer|solution)\b"),
    Rule("en.emoji_gun_head", "active_ideation",
         r"\bemoface(?: emoface)* emogun\b|\bemogun emoface\b"),
    Rule("en.emoji_death", "active_ideation",
         r"\b(?:emocoffin|emogun|emopills)\b",
         requires=r"\b(?:hate myself|hate my life|cant do this|cant go on|cant take|done with|"
                  r"im done|give up|giving up|no point|nobody cares|no one cares|worthless|"
                  r"hopeless|want out|over it|tired of|sad|alone|orker ikke|hater meg selv|"
                  r"håpløs|gir opp|ingen bryr seg|lei av|alene|trist|ferdig)\b"),
    # ------------------------------------------------------------------ self harm
    Rule("en.sh_cut", "self_harm",
         r"\b(?:cut|cuts|cutting|cutted|slice|sliced|slicing|carve|carved|carving) (?:%SELF%|"
         r"my %G1%(?:wrists?|arms?|legs?|thighs?|skin|stomach|hips?|body))\b",
         unless=ACCIDENT, past_ok=True),
    Rule("en.sh_cutting_again", "self_harm",
         r"\b(?:been|started|start|keep|kept|still|back to|relapsed|relapse|urge to|"
         r"urges to) (?:on |to |into )?(?:cutting|cut|self harming|self harm|selfharm|"
         r"burning myself|sh)\b|\bcutting (?:again|a lot|every day|every night|daily|deeper)\b|"
         r"\bcut (?:too deep|deep|deeper)\b",
         past_ok=True),
    Rule("en.sh_self_harm", "self_harm",
         r"\bself ?harm(?:ed|ing|s)?\b|\bself ?injur\w*|\bsh (?:again|relapse|last night|today)\b",
         past_ok=True),
    Rule("en.sh_burn", "self_harm",
         r"\b(?:burn|burns|burned|burnt|burning) (?:%SELF%|my %G1%(?:arms?|wrists?|legs?|"
         r"thighs?|skin|hands?|stomach))\b",
         unless=ACCIDENT, past_ok=True),
    Rule("en.sh_hit_self", "self_harm",
         r"\b(?:hit|hitting|hits|punch|punched|punching|slap|slapped|slapping|bang|banged|"
         r"banging|bash|bashed|bashing|bite|biting|bit|starve|starving|starved) %SELF%|"
         r"\b(?:bang|banged|banging|bash|bashed|bashing|hit|hitting) my head (?:against|on|"
         r"into) (?:the )?(?:wall|floor|door)\b",
         unless=ACCIDENT, past_ok=True),
    Rule("en.sh_hurt_self", "self_harm",
         r"\b(?:hurt|hurting|hurts|harm|harming|harmed|injure|injured|injuring|punish|"
         r"punishing) %SELF%",
         unless=ACCIDENT, past_ok=True),
    Rule("en.sh_until_bleed", "self_harm",
         r"\b(?:until|till|til|untill|so) (?:it|they|i|my \w+) (?:bled|bleed|bleeds|bleeding|"
         r"started bleeding|was bleeding|were bleeding)\b",
         unless=r"\b(?:nose|lip|gums|tooth|teeth)\b", past_ok=True),
    Rule("en.sh_emoji_blood", "self_harm",
         r"\b(?:emoknife|emoblood|emorazor)\b",
         requires=r"\b(?:hate myself|cant do this|cant go on|cant take|done with|im done|"
                  r"give up|no point|nobody cares|worthless|hopeless|sad|numb|alone|again|"
                  r"relapse|relapsed|punish|hater meg selv|håpløs|orker ikke|igjen|trist|alene|"
                  r"ferdig)\b"),
    Rule("en.sh_overdose_taken", "self_harm",
         r"\b(?:just|have|ve|already) (?:taken|took|swallowed|had) (?:an? )?(?:overdose|od)\b|"
         r"\b(?:took|taken|swallowed|downed|necked|had) (?:all|all of|\d+|twenty|thirty|forty|"
         r"fifty|loads of|lots of|a handful of|a bunch of|a whole|the whole|a full|a box of|"
         r"two boxes of|a pack of|a packet of|a bottle of|the rest of|too many|way too many|"
         r"extra) %G1%(?:of )?(?:my |the |these )?%G1%%MEDS%",
         unless=r"\b(?:by mistake|accidentally|prescribed|doctor said|gp said|as directed|"
                r"as usual|like (?:i do )?every (?:day|morning|night)|every morning|every day|"
                r"every night|my usual|morning dose|evening dose|as normal)\b",
         past_ok=True),
    Rule("en.sh_overdosed", "self_harm",
         r"\b(?:overdosed|overdose|od d|odd on|od ed)\b(?! (?:amount|limit))",
         unless=r"\b(?:caffeine|coffee|sugar|netflix|tv|chocolate|sleep)\b",
         past_ok=True),
    # ------------------------------------------------------------------ past attempt
    Rule("en.past_tried", "past_attempt",
         r"\b(?:tried|attempted|try|trying|tryed|tried once) (?:to )?(?:%KILL% %SELF%|"
         r"end (?:my life|it(?: all)?)|take my (?:own )?life|%SUICIDE%|overdose|hang %SELF%|die|"
         r"unalive %SELF%)\b",
         attempt=True),
    Rule("en.past_attempt_noun", "past_attempt",
         r"\b(?:%SUICIDE%|overdose) (?:attempts?|try|tries)\b|\battempted %SUICIDE%\b|"
         r"\bsurvived (?:a |an |my )?(?:attempt|%SUICIDE%|overdose)\b",
         attempt=True),
    Rule("en.past_used_to", "past_attempt",
         r"\bused to (?:cut|self harm|selfharm|burn %SELF%|hurt %SELF%|hit %SELF%|sh|overdose|"
         r"starve %SELF%)\b"),
    Rule("en.past_history", "past_attempt",
         r"\b(?:history of|hx of|years of|past) (?:self harm|selfharm|cutting|overdoses?|"
         r"%SUICIDE% attempts?|attempts)\b"),
    # ------------------------------------------------------------------ harm to others
    Rule("en.hto_scared_will", "harm_to_others",
         r"\b(?:scared|afraid|worried|frightened|terrified|fear|panicking|worry) (?:that |"
         r"of what )?(?:i ll|ill|i will|i might|i could|i may|i would|id|i am going to|"
         r"im going to|im gonna|i m going to|im capable of|of)? ?%G4%(?:hurt\w*|harm\w*|kill\w*|"
         r"hit\w*|shake|shaking|drop|dropping|smother\w*|stab\w*|strangl\w*|suffocat\w*|"
         r"drown\w*|snap at) %OTHERS%\b"),
    Rule("en.hto_want", "harm_to_others",
         r"\b(?:want|wanted|wanna|urges?|urge|thoughts?|thinking|think|thought|imagine|"
         r"imagining|fantasi[sz]e|fantasi[sz]ing|going to|gonna|will|ll|could|plan|planning|"
         r"intrusive thoughts) (?:to |of |about |that i )?%G2%(?:kill\w*|murder\w*|hurt\w*|"
         r"harm\w*|stab\w*|strangl\w*|smother\w*|shake|shaking|drown\w*|suffocat\w*|poison\w*|"
         r"shoot\w*|beat\w* up|attack\w*|choke|choking) %OTHERS%\b",
         unless=r"\b(?:kill (?:time|the|it|this|that|two)|murder a|lol|lmao|haha|joke|joking|"
                r"\bkidding)\b"),
    Rule("en.hto_might", "harm_to_others",
         r"\b(?:i|ill|i ll|i will|i might|i could|i feel like i could|i want to|i m going to|"
         r"im going to|im gonna) (?:actually |really )?(?:kill|hurt|harm|stab|strangle|smother|"
         r"shake|attack|murder|choke) (?:my %G1%(?:baby|babies|newborn|child|children|kid|kids|"
         r"son|daughter|toddler)|someone|somebody|people|anyone)\b"),
    # ------------------------------------------------------------------ abuse
    Rule("en.abuse_not_safe_with", "abuse",
         r"\b(?:not|dont feel|never feel|never) (?:feel )?safe (?:with|around|near|at home with) "
         r"(?:my |him|her|them|me )?%G1%(?:husband|wife|partner|boyfriend|girlfriend|dad|father|"
         r"stepdad|mum|mom|mother|stepmum|brother|sister|ex|him|her|them|family)\b"),
    Rule("en.abuse_not_safe_at_home", "abuse", r"\b(?:not|dont feel|never feel) safe (?:at|in my) home\b"),
    Rule("en.abuse_hits_me", "abuse",
         r"\b%ABUSER% %G1%(?:hits|hit|hitting|beats|beat|beating|slaps|slapped|slapping|punches|"
         r"punched|punching|kicks|kicked|kicking|chokes|choked|choking|strangles|strangled|"
         r"hurts|hurt|hurting|rapes|raped|abuses|abused|abusing|touches|touched|touching|forces|"
         r"forced|forcing|pushes|pushed|shoves|shoved|grabs|grabbed|threatens|threatened|"
         r"threatening|stalks|stalking|stalked|molests|molested|attacks|attacked|bruised|locks|"
         r"locked|controls) (?:me|us|my %G1%(?:kids|children|son|daughter|baby|brother|sister|"
         r"mum|mom|dog|child))\b(?! (?:at|in) (?:chess|cards|tennis|games?|football|scrabble|"
         r"monopoly))(?! (?:up|back)\b)",
         unless=r"\b(?:lol|haha|ball|by accident|accidentally|\d+ \d+|match|game|games|team|"
                r"league|final|cup|tournament|quiz|chess|cards|fifa|scrabble|race|points|goals?|"
                r"penalties|pitch|set|sets)\b"),
    Rule("en.abuse_threat", "abuse",
         r"\b(?:threaten\w*|threatened) (?:to |me |us )?%G2%(?:kill|hurt|harm|beat|hit|"
         r"take the kids|burn|rape) (?:me|us|my|the kids)\b"),
    Rule("en.abuse_disclosure", "abuse",
         r"\b(?:domestic (?:violence|abuse)|violence at home|violent at home|violence in (?:the|"
         r"my|our) (?:home|house|family)|abusive (?:partner|husband|wife|relationship|boyfriend|"
         r"girlfriend|dad|father|mum|mother|home|parents?|ex)|(?:sexually|physically|"
         r"emotionally) (?:abused|assaulted|attacked)|sexual (?:abuse|assault)|(?:i was|i got|"
         r"i ve been|ive been|been|being|was|got) %G1%(?:raped|molested|abused|assaulted|"
         r"groomed|beaten up|beaten)|\braped me\b|\brape\b|coercive control|"
         r"forced (?:me )?(?:to have sex|into sex)|\bscared (?:of|for) (?:my|"
         r"the) %G1%(?:partner|husband|wife|boyfriend|girlfriend|dad|father|stepdad|life|"
         r"safety)\b)"),
    Rule("en.abuse_threatened", "abuse",
         r"\b(?:being|been|getting|got|was|am|im|keep being) threatened\b|\bthreatened me\b|"
         r"\bthreatening (?:me|us|my (?:kids|children|family))\b"),
    Rule("en.abuse_unsafe_home", "abuse",
         r"\b(?:not safe|unsafe|dont feel safe|scared to go) (?:at )?home\b"),
    # ------------------------------------------------------------------ passive ideation
    Rule("en.pass_not_wake", "passive_ideation",
         r"\b(?:not|never|wouldnt|didnt|dont|wont|did not|do not|would not) (?:want to |"
         r"wish to |care to |need to |have to )?(?:to )?(?:wake|waking|wake up|woke up)\b",
         requires=r"\b(?:wish|wished|hope|hoping|care|mind|want|wanna|rather|pray|praying|fine|"
                  r"ok|okay|nice|better|easier|relief|go to sleep|fall asleep|sleep and|if i)\b",
         negatable=False),
    Rule("en.pass_better_off", "passive_ideation",
         r"\bbetter off (?:without me|dead|if i (?:was|were|wasnt|werent|died|disappeared|left|"
         r"was gone|wasnt here|didnt exist|never existed))\b|\b(?:be|"
         r"been) better (?:off )?without me\b|\bbetter off if i (?:was|were) (?:gone|dead|"
         r"not here|not around)\b"),
    Rule("en.pass_point_living", "passive_ideation",
         r"\b(?:whats|what is|whats even|why is there|no|there is no|theres no|dont see|"
         r"cant see|do not see|see no|not much|any) (?:the |a |any )?point (?:in |of |"
         r"to )?(?:even )?(?:living|life|being alive|going on|being here|existing|carrying on|"
         r"trying anymore|anything anymore|it all|me being here|waking up|getting up anymore)\b",
         negatable=False),
    Rule("en.pass_wish_dead", "passive_ideation",
         r"\b(?:wish|wished|wishing|hope|hoping|pray|praying) (?:that )?(?:i|id|i d) (?:was|"
         r"were|had|could|would|wasnt|werent|never|didnt|just|to) %G2%(?:dead|die|died|"
         r"die in my sleep|been born|born|alive|exist|existed|here|disappear|vanish|not wake|"
         r"never wake|stop existing|not be here|cease|go away forever|get hit|get cancer|"
         r"get sick and die|be gone|gone)\b",
         unless=r"\b(?:sleep in|lie in|stay in bed|wish i was here|wish i could be here|"
                r"wish i was there|wish i had more|alive again)\b",
         negatable=False),
    Rule("en.pass_cant_go_on", "passive_ideation",
         r"\b(?:cant|can not|cannot|couldnt) (?:go on|carry on|keep going|do this anymore|"
         r"do this any more|take (?:it|this) any ?more|cope any ?more|continue like this|"
         r"live like this|keep living)\b(?! (?:holiday|holidays|a |an |the |with the|trips?|"
         r"dates?|vacation|leave|about))",
         negatable=False),
    Rule("en.pass_tired_living", "passive_ideation",
         r"\b(?:tired of|sick of|exhausted by|done with|fed up with|fed up of|over) (?:living|"
         r"life|being alive|existing|this life|my life|everything and everyone|it all)\b|"
         r"\bim done with everything\b|\bready to give up on life\b"),
    Rule("en.pass_not_worth", "passive_ideation",
         r"\b(?:life|living|my life|it) (?:isnt|is not|aint|isn t|doesnt feel|does not feel|"
         r"never feels|feels not) (?:worth|worth it|worth living)\b|\blife (?:is|"
         r"feels) (?:pointless|meaningless|not worth (?:it|living))\b",
         negatable=False),
    Rule("en.pass_rather_dead", "passive_ideation",
         r"\b(?:rather|prefer to) (?:be dead|die|not exist|not be alive|not be here|be gone)\b"),
    Rule("en.pass_easier_gone", "passive_ideation",
         r"\b(?:easier|better|simpler|kinder|nicer|best|happier|lighter|freer|calmer|fine|"
         r"relieved|better off) (?:for (?:everyone|everybody|them|"
         r"my family|all) )?(?:if|when|once) i (?:wasnt|werent|was not|were not|was|were|am|didnt|"
         r"just|never|d|had) %G2%(?:here|around|alive|gone|dead|died|exist|existed|disappear\w*|"
         r"been born)\b",
         negatable=False),
    Rule("en.pass_disappear", "passive_ideation",
         r"\b(?:%WANT%|wanna|wana|just|could|like to|id) (?:to )?(?:just )?(?:disappear|vanish|"
         r"cease|fade away|be gone|not be here|not be around|stop being here)\b|"
         r"\bdisappear (?:forever|for good|for ever|and never come back)\b"),
    Rule("en.pass_not_be_here", "passive_ideation",
         r"\b(?:dont|do not|no longer|not) (?:want|wanna|wish|feel like) (?:to )?(?:be here|"
         r"be around|exist|be on this earth|be in this world|be alive)\b(?! (?:in|at|with|"
         r"for the|for this|when|today|tonight|on))|\bnot (?:want to )?be here (?:anymore|"
         r"any more|much longer)\b",
         negatable=False),
    Rule("en.pass_wouldnt_mind_dying", "passive_ideation",
         r"\b(?:wouldnt|would not|wont|dont|do not|would hardly) (?:care|mind|be sad|"
         r"be upset) (?:if|when) (?:i|something|a|the) %G4%(?:died|die|dead|wake|woke|gone|hit|"
         r"crash|killed|happened to me|cancer|didnt make it|ended)\b|\bif i (?:got|was|"
         r"were) (?:hit|killed|run over) %G4%(?:wouldnt|would not|dont|do not) (?:mind|care)\b",
         negatable=False),
    Rule("en.pass_never_born", "passive_ideation",
         r"\b(?:wish|wished) (?:i d|id|i had|that i had|i was|i were) (?:never|"
         r"not) (?:been )?born\b|\bshould (?:never|not) have been born\b",
         negatable=False),
    Rule("en.pass_burden", "passive_ideation",
         r"\b(?:im|i am|i m|feel like|feel|i feel like|just) (?:such |a |only )?(?:a |"
         r"such a )?burden (?:to|on|for) (?:everyone|everybody|my family|them|people|others|all|"
         r"my \w+)\b"),
    Rule("en.pass_not_sure_live", "passive_ideation",
         r"\b(?:not sure|dont know|unsure|do not know) (?:if|whether) i (?:want|wanna|"
         r"can) (?:to )?(?:live|be alive|keep going|go on|carry on|be here)\b",
         negatable=False),
    Rule("en.pass_as_well_dead", "passive_ideation",
         r"\b(?:might|may|could) as well (?:be dead|die|not exist|not be here|kill %SELF%)\b"
         r"|\b(?:sleep|go to sleep|fall asleep) (?:forever|for ever|for good|and never wake)\b"),
    Rule("en.pass_death_welcome", "passive_ideation",
         r"\b(?:death|dying) (?:would be|sounds|seems|feels) (?:like )?(?:a )?(?:relief|"
         r"peaceful|nice|welcome|good|easier|better)\b|\blonging for death\b|\bwaiting to die\b"),
)

# =====================================================================================
# Rule families added after the probe-set review (general patterns, not sentences).
# =====================================================================================
_INNOCENT_EVENT = (
    r"\b(?:wedding|party|move|moving|holiday|trip|appointment|interview|birthday|meeting|"
    r"surgery|operation|exam|test|scan|christening|funeral of|launch|match|gig|concert|"
    r"date night|first date|dinner|visit|handover|deadline|bryllup\w*|fest|flytting|ferie|"
    r"time(?:n)? hos|eksamen|intervju|bursdag)\b"
)
RULES = RULES + (
    # ---------------------------------------------------------- plan / intent
    # stockpile with the object first ("got enough pills saved up", "tablets hidden away")
    Rule("en.plan_stockpile_object", "plan_or_intent",
         r"\b%MEDS% (?:all )?(?:saved|stored|stashed|hidden|hid|put|set|squirrelled|squirreled|"
         r"hoarded|stockpiled|collected|tucked) (?:up|away|aside|by)\b",
         unless=MED_INNOCENT),
    # letters / messages left for loved ones "just in case", "for when I'm gone"
    Rule("en.plan_letters_loved_ones", "plan_or_intent",
         r"\b(?:written|wrote|writing|write|left|leaving|recorded|recording|prepared) "
         r"(?:a |some |my |the |little |last )?(?:letters?|notes?|messages?|videos?|cards?) "
         r"(?:to|for) (?:my |the |each of my |all my )?%G1%(?:kids|children|son|daughter|family|"
         r"wife|husband|partner|mum|mom|dad|parents|friends|everyone|sister|brother|boys|girls)"
         r"\b(?! (?:school|teacher|nursery|club|birthday|christmas))",
         requires=r"\b(?:just in case|in case|for when|for after|after im gone|when im gone|"
                  r"if anything happens|if something happens|goodbye|to read later|explain why|"
                  r"explaining why|sorry|to remember me|one day)\b"),
    # the means/place is chosen ("I know which bridge I'd use", "found the spot")
    Rule("en.plan_method_chosen", "plan_or_intent",
         r"\b(?:know|knew|picked|chosen|chose|found|decided|worked out|figured out|scouted|"
         r"checked out|looked at) (?:exactly )?(?:which|what|the|a|where|how) %G2%(?:%PLACE%|"
         r"place|spot|method|way|rope|tree|beam|pills?|tablets?|meds|dose|height|drop)? ?"
         r"(?:i d|id|i would|i ll|ill|i will|im going to|i am going to|to) (?:use|do it|jump|"
         r"go|take|end it|hang)\b",
         unless=r"\b(?:holiday|recipe|route|bus|train to|restaurant|present|gift|gym)\b"),
    # a date / time has been fixed, with no innocent event named
    Rule("en.plan_date_set", "plan_or_intent",
         r"\b(?:picked|chosen|chose|set|decided on|settled on|fixed) (?:a|the|my) (?:date|day|"
         r"night|time)\b(?! (?:for|to|of|with)\b)",
         unless=_INNOCENT_EVENT),
    # researching methods ("googling painless ways to go", "quickest way to die")
    Rule("en.plan_research_painless", "plan_or_intent",
         r"\b(?:painless|quick|quickest|quicker|easy|easiest|peaceful|gentlest|best|surest|"
         r"fastest|least painful|clean|cleanest|reliable|most reliable) (?:ways?|methods?|"
         r"means) (?:to|of) (?:go|going|die|dying|do it|end it|end things|check out|kill|"
         r"unalive|exit|leave)\b|\bpainless (?:death|suicide|way out|exit)\b|"
         r"\b(?:looking up|looked up|googl\w+|research\w*|searching|searched|reading up on|"
         r"read up on) %G3%(?:lethal|fatal|how long it takes to die|how to die|overdose|"
         r"how to hang|suicide methods|ways to die|exit bag)\b"),
    # taking everything at once, stated as present/future
    Rule("en.plan_taking_all", "plan_or_intent",
         r"\b(?:taking|take|swallowing|swallow|downing) (?:all|every one of|the whole|all of|"
         r"the lot of|the rest of) %G1%(?:my |the |these |those )?%G1%%MEDS% %G2%(?:at once|"
         r"tonight|in one go|together|now|when|after|before|with (?:vodka|alcohol|wine|booze))\b"),
    # putting affairs in order
    Rule("en.plan_affairs_order", "plan_or_intent",
         r"\b(?:everything s|everythings|everything is|all) (?:in order|sorted|taken care of|"
         r"arranged)|\b(?:sorted|sorting|tied|tying) (?:out )?(?:everything|all the loose ends|"
         r"loose ends|the paperwork)\b|\bmy (?:will|life insurance|passwords|bank details) "
         r"(?:is|are) (?:sorted|done|written|in order|ready)\b",
         requires=r"\b(?:will|insurance|gave|given|giving away|letters?|goodbye|gone|the dog "
                  r"to|the cat to|rehomed|passwords)\b"),
    # ---------------------------------------------------------- self harm
    # a harm act flagged as deliberate / done to feel something
    Rule("en.sh_intentional_meds", "self_harm",
         r"\b(?:took|taken|take|swallowed|had|downed|necked) %G6%%MEDS% %G6%(?:on purpose|"
         r"deliberately|intentionally|to feel nothing|to stop feeling|to not feel|to numb|"
         r"to punish myself|to sleep forever|so i wouldnt (?:wake|feel)|hoping i wouldnt wake)\b|"
         r"\b(?:on purpose|deliberately|intentionally) (?:took|swallowed|overdosed|took too many|"
         r"took extra)\b",
         past_ok=True),
    Rule("en.sh_intentional_body", "self_harm",
         r"\b(?:cut|cutting|burn\w*|scratch\w*|scratched|hit|hitting|punch\w*|bang\w*|bit|"
         r"bite|biting|pinch\w*|pull\w* out|stabb?\w*|carv\w*|scald\w*|starv\w*) (?:myself|my "
         r"%G1%%BODY%|my hair|the wall|a wall|walls) %G6%(?:on purpose|deliberately|"
         r"intentionally|to feel (?:something|anything|nothing|better|real)|to punish myself|"
         r"because i deserve\w*|wanted it to hurt|so it would hurt|to stop feeling|"
         r"to make it stop|till it hurt|until it hurt)\b",
         past_ok=True),
    # burning/cutting/scratching a body part (not only "myself")
    Rule("en.sh_body_object", "self_harm",
         r"\b(?:burn\w*|scratch\w*|scald\w*|carv\w*|slash\w*|scor\w*|gouge\w*|pick\w*|"
         r"dig\w* into) (?:my|into my) %G1%%BODY%\b %G4%(?:with (?:a |the |my )?(?:lighter|"
         r"cigarette|match|matches|razor|blade|knife|scissors|compass|pin|needle|nails|glass)|"
         r"till|until|so|again|every|on purpose|bleed|bled|raw)\b",
         unless=ACCIDENT, past_ok=True),
    # self-harm as a coping strategy ("the only thing that helps is cutting")
    Rule("en.sh_as_coping", "self_harm",
         r"\b(?:only thing that|something that|what|nothing but|thing that) (?:helps|works|"
         r"calms me|stops it|gets me through|makes it stop|makes me feel) %G3%(?:is )?"
         r"(?:cutting|hurting myself|burning myself|sh|self harm\w*|hitting myself)\b|"
         r"\b(?:cutting|sh|self harm\w*|hurting myself) (?:helps|calms|relieves|is how i cope|"
         r"is the only|makes me feel|gives me relief|is my way)\b|\b(?:miss|crave|craving|"
         r"cravings for|urges? for) (?:cutting|self harm\w*|the blade|sh)\b"),
    # ---------------------------------------------------------- past attempt
    Rule("en.past_attempt_bare", "past_attempt",
         r"\b(?:my|last|previous|latest|first|second|third|recent|most recent|earlier) "
         r"attempts?\b(?! (?:at|to|on|of|in|for)\b)",
         unless=r"\b(?:exam|test|driving|diet|recipe|cake|bake|quit|quitting|smoking|interview|"
                r"job|application|marathon|run|record|goal|score|password|login|pin|"
                r"course|module|homework)\b",
         attempt=True),
    # ---------------------------------------------------------- passive ideation
    Rule("en.pass_nobody_notice", "passive_ideation",
         r"\b(?:nobody|no one|noone|no body|not one person|none of them) (?:would|will|d|"
         r"is going to|would even|will even|d even) (?:even )?(?:notice|care|miss me|be sad|"
         r"cry|mind|come to my funeral)\b %G2%(?:if|when|once) i (?:was|were|m|am|died|die|"
         r"disappeared|wasnt|werent|went|d gone|had gone|killed|left for good)\b",
         negatable=False),
    Rule("en.pass_happier_without", "passive_ideation",
         r"\b(?:they|everyone|everybody|people|the world|my family|my kids|my wife|"
         r"my husband|my partner|theyd|they d|everyone d|everyoned) (?:would |will |d )?"
         r"(?:be |have been )?(?:so |much |a lot |far )?(?:happier|better|better off|fine|"
         r"relieved|freer|lighter) (?:if|when|once|without) (?:i (?:was|were|m|am|d|had) "
         r"(?:gone|dead|not here|not around|disappeared|never born)|me)\b",
         negatable=False),
    Rule("en.pass_live_or_die", "passive_ideation",
         r"\b(?:dont|do not|wouldnt|would not|doesnt|no longer) (?:really |even )?care "
         r"(?:if|whether) i (?:live|die|wake|make it|survive)\b|\bdont care what happens to me\b|"
         r"\bwouldnt (?:be|feel) (?:sad|sorry|upset) (?:if|to) (?:i )?(?:die|died|go|went)\b",
         negatable=False),
    Rule("en.pass_existing", "passive_ideation",
         r"\b(?:tired of|exhausted from|sick of|done) (?:existing|being alive|being here|"
         r"breathing)\b|\b(?:existing|being alive|living) (?:is|feels) (?:exhausting|"
         r"unbearable|pointless|too much|too hard)\b|\bwish (?:it|everything|life) would "
         r"(?:all )?(?:just )?(?:end|stop)\b"),
    # ---------------------------------------------------------- harm to others
    # weapon brought to a place / carried
    Rule("en.hto_weapon", "harm_to_others",
         r"\b(?:take|taking|took|bring|bringing|brought|carry|carrying|carried|keep|keeping|"
         r"hide|hiding|hid|pack|packing) (?:a |my |the |his |her |their |\w+s |my \w+s )?%G1%"
         r"(?:gun|shotgun|rifle|pistol|handgun|knife|knives|blade|machete|axe|weapon|weapons|"
         r"crossbow|bat) (?:in(?:to)? |to |with me to |with me |around |on me |everywhere|"
         r"for protection)(?:work|school|college|uni|the office|his|her|their|the house|"
         r"church|the meeting|court|the party|everywhere|\.|,|$)?",
         unless=r"\b(?:kitchen|cooking|chef|camping|fishing|hunting|shooting range|clay|"
                r"cricket|baseball|rounders|fruit|picnic|cake|bread|cut the|slice|birthday|"
                r"lunch|food|cheese|butter|kjøkken\w*|kake\w*|brød\w*)\b"),
    Rule("en.hto_make_pay", "harm_to_others",
         r"\bmake (?:them|him|her|everyone|those people|them all|the lot of them) (?:all )?"
         r"(?:pay|suffer|regret)\b",
         requires=r"\b(?:gun|shotgun|rifle|knife|weapon|kill|hurt|stab|shoot|burn|bomb|blood|"
                  r"hagla|kniv|drepe|skade)\b"),
    Rule("en.hto_beat_badly", "harm_to_others",
         r"\b(?:beat|beating|batter|punch|hit|kick|smash|stamp on) %OTHERS% %G3%(?:so badly|so "
         r"hard|to death|to a pulp|senseless|black and blue|until (?:he|she|they) (?:cant|stops|"
         r"bleeds)|(?:ends?|end) up in (?:hospital|a and e|a e|intensive care))\b"),
    # filicide-suicide euphemism ("take the kids with me when I go")
    Rule("en.hto_take_kids_with", "harm_to_others",
         r"\b(?:take|taking|bring|bringing|took) %KIDS% (?:with me|along) %G2%(?:when i go|if i go|"
         r"when i die|when i do it|when i end it|so they|too|as well)\b(?! (?:to|on|out|back|"
         r"shopping|home|away|abroad|for|into|round|over)\b)"),
    # ---------------------------------------------------------- abuse
    # reported threats ("he said he'd kill me if I told anyone")
    Rule("en.abuse_reported_threat", "abuse",
         r"\b%ABUSER% (?:said|says|told me|keeps saying|has said|swore|swears|texted|texts) "
         r"(?:that )?(?:(?:he|she|they) (?:d|would|will|ll|is going to|was going to|s going to|"
         r"might|could)|hed|shed|theyd|hell|shell|theyll|hes going to|shes going to|"
         r"theyre going to) %G1%(?:kill|hurt|beat|hit|harm|stab|shoot|strangle|burn|rape|take the "
         r"kids from) (?:me|us|my|the kids|the children|himself|herself)\b"),
    # coercive control
    Rule("en.abuse_control", "abuse",
         r"\b%ABUSER% %G1%(?:wont|doesnt|never|will not|does not|didnt|wouldnt) (?:let|allow) "
         r"(?:me|us) (?:to )?(?:leave|go out|go anywhere|out|see|have|talk|work|use|keep|"
         r"sleep|eat|call|speak|drive|wear|get)\b|\b%ABUSER% %G1%(?:takes|took|controls|"
         r"controlled|checks|checked|keeps|kept|hides|hid|smashed|smashes|tracks|tracked|reads|"
         r"monitors|monitored|goes through) (?:my|all my) (?:phone|money|bank cards?|cards|"
         r"passport|keys|wages|benefits|messages|texts|location|finances|car keys)\b",
         unless=r"\b(?:curfew|grounded|homework|exams|teenager|im 1[0-7]|im \d years old)\b"),
    # violence named as a trait of someone at home
    Rule("en.abuse_violent_person", "abuse",
         r"\b%ABUSER% %G2%(?:gets|get|becomes|is|turns|can get|can be|goes|got|was|starts "
         r"getting) (?:really |so |very |quite )?(?:violent|physical|rough with me|abusive|"
         r"handsy)\b|\b(?:afraid|scared|terrified|frightened) (?:of going|to go|to be|of being) "
         r"(?:back )?home\b|\b(?:afraid|scared|terrified|frightened) (?:of|for my life with) "
         r"(?:him|her|my (?:partner|husband|wife|boyfriend|girlfriend|dad|father|stepdad|mum|"
         r"mother|ex))\b(?! (?:reaction|finding out|being disappointed|leaving|dying))"),
    Rule("en.abuse_strangle", "abuse",
         r"\b%ABUSER% %G2%(?:chokes|choked|choking|strangles|strangled|strangling|"
         r"(?:puts|put|had) (?:his|her|their) hands (?:around|round|on) my (?:neck|throat))\b"),
    # sexual abuse euphemisms
    Rule("en.abuse_sexual_euphemism", "abuse",
         r"\b%ABUSER% %G1%(?:comes|came|come|sneaks|snuck|gets|got|climbs|climbed) (?:in(?:to)?|"
         r"in to) my (?:room|bed|bedroom)\b %G3%(?:at night|when|and|while)|\b(?:makes|made|"
         r"forces|forced|pressures|pressured|pressuring|pushes|pushed) (?:me|us|her|him) (?:to )?"
         r"(?:have sex|do sexual|do things|do stuff|touch (?:him|her|them)|send (?:nudes|"
         r"pictures|photos))\b|\btouch(?:es|ed|ing)? me (?:where|when|down there|in places|"
         r"and i)\b|\b(?:uncle|stepdad|step dad|coach|teacher|cousin|grandad|neighbour|"
         r"babysitter) %G2%(?:touched|molested|abused|groomed) (?:me|her|him)\b"),
    # signs that a child is being harmed
    Rule("en.abuse_child_signs", "abuse",
         requires=r"\b(?:bruis\w*|black eyes?|burns|marks|injuries|cuts|welts|hungry|dirty|"
                  r"scared|afraid|terrified)\b",
         pattern=r"\b%KIDS% %G4%(?:are |is )?(?:always|constantly|often|again|keeps?|keep turning up|"
         r"turns? up|covered|shows? up|come to school|comes to school)(?: \w+)? (?:in |with )?"
         r"(?:bruises|bruised|black eyes?|burns|marks|injuries|cuts|welts|hungry|dirty)\b|"
         r"\b%KIDS% %G3%(?:is|are|seems?|looks?) (?:scared|afraid|terrified) (?:to go|of going) "
         r"home\b",
         unless=ACCIDENT),
    Rule("en.abuse_hear_violence", "abuse",
         r"\b(?:hear|heard|hearing|can hear) %G4%(?:screaming|being hit|being beaten|crying and "
         r"shouting|thuds|banging and screaming|getting hit|getting beaten)\b",
         requires=r"\b(?:next door|neighbours?|neighbors?|upstairs|downstairs|through the wall|"
                  r"kids|children|child|baby)\b",
         unless=r"\b(?:playground|party|game|film|movie|tv|football|fun|laughing)\b"),
    # a parent hurting their own child (child at risk)
    Rule("en.abuse_hurt_own_child", "abuse",
         r"\b(?:i|ive|i have|i ve) %G4%(?:hit|smacked|slapped|beat|beaten|kicked|punched|shook|"
         r"shaken|threw|thrown|grabbed|choked|pinched|whipped|belted|strangled) (?:my|the|our) "
         r"%G1%(?:son|daughter|kid|kids|child|children|baby|toddler|boy|girl|stepson|"
         r"stepdaughter)\b(?! (?:with the ball|at chess|at cards))|\bshook the baby\b",
         unless=r"\b(?:by accident|accidentally|ball|game|lightly|playing|play fight\w*|"
                r"tickl\w*)\b"),
)
