"""Tests for the deterministic risk detector (bot.safety.detector)."""

from __future__ import annotations

import io
import json
import time
from pathlib import Path

import pytest

from bot.cli.risk import risk_check
from bot.safety import CATEGORIES, RiskResult, detect, normalise

DATA = Path(__file__).parent / "data"

# ---------------------------------------------------------------- must fire (text, category)
MUST_FIRE = [
    # plan / intent
    ("I've been saving up my pills", "plan_or_intent"),
    ("how many paracetamol would it take", "plan_or_intent"),
    ("how many paracetamol would it take to not wake up", "plan_or_intent"),
    ("hvor mange piller må man ta for å dø", "plan_or_intent"),
    ("tonight I'm going to end it", "plan_or_intent"),
    ("this is goodbye", "plan_or_intent"),
    ("I've written my note", "plan_or_intent"),
    ("I'm giving away all my things", "plan_or_intent"),
    ("I've been stockpiling my meds", "plan_or_intent"),
    ("what's the lethal dose of amitriptyline", "plan_or_intent"),
    ("I keep thinking about jumping off the bridge", "plan_or_intent"),
    ("standing on the train tracks right now", "plan_or_intent"),
    ("jeg har spart opp piller", "plan_or_intent"),
    ("i kveld skal jeg gjøre slutt på det", "plan_or_intent"),
    ("dette er farvel", "plan_or_intent"),
    ("jeg har skrevet et avskjedsbrev", "plan_or_intent"),
    ("jeg skal hoppe fra brua", "plan_or_intent"),
    # active ideation
    ("I want to die", "active_ideation"),
    ("i want to kill myself", "active_ideation"),
    ("kms", "active_ideation"),
    ("kys", "active_ideation"),
    ("I want to unalive myself", "active_ideation"),
    ("thinking about sewer slide", "active_ideation"),
    ("I have suicidal thoughts", "active_ideation"),
    ("I keep thinking about ending it", "active_ideation"),
    ("there's no reason to live", "active_ideation"),
    ("I want to self delete", "active_ideation"),
    ("im going to ctb", "active_ideation"),
    ("I want to off myself", "active_ideation"),
    ("I just want to end it all", "active_ideation"),
    ("I don't want to live anymore", "active_ideation"),
    ("jeg vil ta livet mitt", "active_ideation"),
    ("jeg vil dø", "active_ideation"),
    ("jeg tenker på selvmord", "active_ideation"),
    ("jeg orker ikke å leve", "active_ideation"),
    ("jeg har selvmordstanker", "active_ideation"),
    ("jeg vil ta livet av meg", "active_ideation"),
    ("noen ganger vil jeg bare dø", "active_ideation"),
    # self harm
    ("I cut myself last night", "self_harm"),
    ("I burned myself with a lighter", "self_harm"),
    ("I've been hitting myself", "self_harm"),
    ("I scratched my arm until it bled", "self_harm"),
    ("I just took an overdose", "self_harm"),
    ("jeg har skadet meg selv", "self_harm"),
    ("jeg kuttet meg i går", "self_harm"),
    # harm to others
    ("I'm scared I'll hurt my baby", "harm_to_others"),
    ("I have thoughts of hurting my kids", "harm_to_others"),
    ("jeg kommer til å drepe ham", "harm_to_others"),
    ("jeg er redd jeg skal skade babyen min", "harm_to_others"),
    # abuse
    ("my partner hits me", "abuse"),
    ("I was sexually assaulted", "abuse"),
    ("there is violence at home", "abuse"),
    ("I'm being threatened by my ex", "abuse"),
    ("my dad hits my little brother", "abuse"),
    ("han slår meg", "abuse"),
    ("jeg blir utsatt for vold", "abuse"),
    ("jeg ble voldtatt", "abuse"),
    # passive ideation
    ("I wish I could sleep and not wake up", "passive_ideation"),
    ("everyone would be better off without me", "passive_ideation"),
    ("I wouldn't care if I didn't wake up", "passive_ideation"),
    ("what's the point of living", "passive_ideation"),
    ("I wish I was dead", "passive_ideation"),
    ("I can't go on", "passive_ideation"),
    ("I can't go on like this with my job", "passive_ideation"),
    ("I want to not be here anymore", "passive_ideation"),
    ("I want to disappear forever", "passive_ideation"),
    ("ønsker jeg ikke fantes", "passive_ideation"),
    ("skulle ønske jeg ikke våknet", "passive_ideation"),
    ("alle hadde hatt det bedre uten meg", "passive_ideation"),
    # past attempt
    ("I tried to kill myself when I was 19", "past_attempt"),
    ("I used to cut in school", "past_attempt"),
    ("jeg prøvde å ta livet mitt for noen år siden", "past_attempt"),
    ("jeg hadde et selvmordsforsøk i 2018", "past_attempt"),
]

# Obfuscation, typos, slang, emoji, no æøå: must still be risk.
MUST_FIRE_NOISY = [
    "i want to diiiie",
    "i wanna diiiiiie",
    "i want to k!ll myself",
    "i want to d1e",
    "thinking about su1cide",
    "s*icide",
    "sucide thoughts",
    "i feel suicdal",
    "i want to kil myself",
    "i wnat to die",
    "I want to kill myself 😵🔫",
    "😵🔫",
    "i hate myself 🔪🩸",
    "so done with everything 💊⚰️",
    "K I L L   M Y S E L F",
    "k i l l myself",
    "s u i c i d e",
    "s.u.i.c.i.d.e",
    "I\u2019m going to kill myself",
    "I want to k\u200bill my\u200dself",
    "ＩＷＡＮＴ ＴＯ ＤＩＥ".replace("ＩＷＡＮＴ", "Ｉ ＷＡＮＴ"),
    "har selvmor tanker",
    "selvmordstanker",
    "vil ta livet av meg",
    "tenker pa selvmord",
    "tenker paa selvmord",
    "orker ikke a leve",
    "skulle onske jeg ikke vaknet",
    "oensker jeg ikke fantes",
    "jeg vil do",
    "TENKER PÅ SELVMORD!!!",
]

MUST_NOT_FIRE = [
    # English idioms and ordinary words
    "this traffic is killing me",
    "dead tired",
    "my phone died",
    "I could murder a pizza",
    "kill the process",
    "killer workout",
    "I'm dying to see that film",
    "he is skilled",
    "my rent is overdue",
    "cutting back on coffee",
    "I need to cut the grass",
    "burning the candle at both ends",
    "heartburn",
    "the battery is dead",
    "the deadline is friday",
    "we watched the suicide squad film",
    "I nearly died laughing",
    "my grandad died last year",
    "I cut my finger chopping onions",
    "I burned my hand on the kettle",
    # Norwegian idioms
    "jeg er dødslei",
    "drepende kjedelig",
    "dødstrøtt",
    "telefonen døde",
    "kutte ned på sukker",
    "slå av PCen",
    "jeg slår meg til ro med det",
    "ta livet med ro",
    "jeg døde av latter",
    "dødsbra",
    "denne hodepinen tar livet av meg",
    "vi slo i hjel tiden med kortspill",
    "hun slo meg i sjakk",
    "jeg brant meg på stekepanna",
    # ordinary depression talk
    "I feel sad and tired all the time",
    "I can't get out of bed",
    "nothing feels fun anymore",
    "I feel like a failure",
    "I cried all day",
    "I hate my job",
    "I feel worthless",
    "jeg er så sliten",
    "jeg føler meg verdiløs",
    "jeg gråt hele dagen",
    "ingenting er gøy lenger",
    "jeg orker ikke å lage middag",
    # denials
    "I'm not suicidal",
    "I have never wanted to hurt myself",
    "no thoughts of self harm",
    "I don't want to die",
    "I would never kill myself",
    "suicidal thoughts? no",
    "jeg er ikke suicidal",
    "ingen selvmordstanker",
    "jeg har aldri skadet meg selv",
    "jeg har ikke skadet meg selv",
    "jeg vil ikke dø",
    # pills / innocent context
    "I forgot my pills",
    "the pills make me sleepy",
    "how many paracetamol can I take for a headache?",
    "we walked over the bridge",
    "the train was late",
    "goodbye for now, talk tomorrow",
    "I wrote a note to my landlord",
    "jeg glemte pillene mine",
    "hvor mange paracet kan jeg ta for hodepine?",
]


@pytest.mark.parametrize(("text", "category"), MUST_FIRE)
def test_must_fire_with_category(text: str, category: str) -> None:
    res = detect(text)
    assert res.risk, text
    assert res.category == category, (text, res.evidence)
    assert res.evidence


@pytest.mark.parametrize("text", MUST_FIRE_NOISY)
def test_must_fire_noisy_spelling(text: str) -> None:
    res = detect(text)
    assert res.risk, (text, normalise(text))


@pytest.mark.parametrize("text", MUST_NOT_FIRE)
def test_must_not_fire(text: str) -> None:
    res = detect(text)
    assert not res.risk, (text, res.evidence)
    assert res.category is None
    assert res.urgency is None
    assert res.evidence == []


def test_lang_is_only_a_hint() -> None:
    assert detect("jeg vil ta livet mitt", lang="en").risk
    assert detect("I want to kill myself", lang="nb").risk
    assert detect("I had a good chat with my mum. jeg vil dø", lang="en").risk


# ---------------------------------------------------------------- negation
def test_negation_does_not_cancel_other_risk() -> None:
    res = detect("I'm not suicidal, I just wouldn't care if I didn't wake up")
    assert res.risk
    assert res.category == "passive_ideation"


def test_negation_norwegian_keeps_other_risk() -> None:
    res = detect("jeg er ikke suicidal, men skulle ønske jeg ikke fantes")
    assert res.risk
    assert res.category == "passive_ideation"


def test_negated_verb_is_still_risk() -> None:
    assert detect("I don't want to live anymore").category == "active_ideation"
    assert detect("jeg vil ikke leve lenger").category == "active_ideation"


def test_negation_only_cancels_its_own_phrase() -> None:
    res = detect("I'm not sad, I want to die")
    assert res.risk
    assert res.category == "active_ideation"
    res = detect("I have never self harmed. But now I want to kill myself.")
    assert res.category == "active_ideation"


# ---------------------------------------------------------------- burying, evidence, priority
def test_long_message_buried_risk() -> None:
    filler = "Today I went to the shop and bought bread, then I phoned my mum. " * 60
    text = filler + "Honestly I have been saving up my pills. " + filler
    res = detect(text)
    assert res.risk
    assert res.category == "plan_or_intent"
    assert any("pills" in e for e in res.evidence)


def test_buried_norwegian_homework() -> None:
    text = ("Situasjon: alene hjemme. Tanke: ingen bryr seg, jeg vil ta livet mitt. "
            "Følelse: håpløs 90%. Alternativ tanke: kanskje noen bryr seg.")
    assert detect(text).category == "active_ideation"


def test_evidence_explains_the_match() -> None:
    res = detect("honestly kms")
    assert res.evidence == ["'kms' (active_ideation/en.slang_kms)"]
    m = res.matches[0]
    assert m.rule == "en.slang_kms"
    assert m.evidence == "kms"
    assert m.urgency == "urgent"
    res = detect("I really want to die tonight")
    assert any("want to die" in e for e in res.evidence)


def test_priority_and_all_categories_reported() -> None:
    res = detect("I tried to kill myself when I was 19. Everyone would be better off "
                 "without me. I've been saving up my pills.")
    assert res.category == "plan_or_intent"
    assert res.urgency == "urgent"
    cats = res.to_dict()["categories"]
    assert cats == [c for c in CATEGORIES if c in cats]
    assert {"plan_or_intent", "passive_ideation", "past_attempt"} <= set(cats)


def test_past_attempt_only_when_nothing_current() -> None:
    assert detect("I tried to kill myself when I was 19").category == "past_attempt"
    assert detect("I tried to kill myself when I was 19 and I want to die now").category == (
        "active_ideation")
    assert detect("I tried to kill myself last night").urgency == "urgent"


def test_urgency_levels() -> None:
    assert detect("I want to die").urgency == "urgent"
    assert detect("I wish I was dead").urgency == "soon"
    assert detect("I used to cut in school").urgency == "routine"


def test_to_dict_shape() -> None:
    d = detect("I want to die").to_dict()
    assert set(d) == {"risk", "category", "urgency", "evidence", "categories"}
    assert d["risk"] is True
    assert d["category"] == "active_ideation"
    assert isinstance(d["evidence"], list)
    assert d["categories"] == ["active_ideation"]
    json.dumps(d)
    d = detect("hello").to_dict()
    assert d == {"risk": False, "category": None, "urgency": None, "evidence": [],
                 "categories": []}


def test_result_is_frozen() -> None:
    res = detect("I want to die")
    assert isinstance(res, RiskResult)
    with pytest.raises(AttributeError):
        res.risk = False  # type: ignore[misc]


# ---------------------------------------------------------------- normalisation
def test_normalise_basics() -> None:
    v = normalise("I\u2019m  NOT\u200b ok... I wanna diiiie!!")
    assert v[0].strip() == "im not ok . i want to diie ."
    assert v[1].strip() == "im not ok . i want to die ."
    assert normalise("k!ll my5elf")[0].strip() == "kill myself"
    assert normalise("s*icide")[0].strip() == "suicide"
    assert "emogun" in normalise("😵🔫")[0]


@pytest.mark.parametrize(
    "text",
    ["", "   ", "\n\n\t", "a" * 20_000, "I want to die " * 2000, "😀" * 500, "🔪🩸💊⚰️🪦",
     "\x00\x01\x02\x1b[31m", "\ud800", "...", ",,,", "* * *", "1 2 3", "'''", "\u200b" * 50,
     "ÆØÅ æøå", "é" * 10, "k" * 5000],
)
def test_never_raises_on_odd_input(text: str) -> None:
    res = detect(text)
    assert isinstance(res, RiskResult)
    json.dumps(res.to_dict())


def test_none_is_type_error() -> None:
    with pytest.raises(TypeError):
        detect(None)  # type: ignore[arg-type]


def test_speed() -> None:
    msgs = [json.loads(line)["text"] for line in
            (DATA / "risk_tune.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
    times = []
    for t in msgs:
        t0 = time.perf_counter()
        detect(t)
        times.append(time.perf_counter() - t0)
    times.sort()
    assert times[len(times) // 2] < 0.002  # median < 2 ms


# ---------------------------------------------------------------- labelled tune set
def _load(name: str) -> list[dict]:
    return [json.loads(line) for line in (DATA / name).read_text(encoding="utf-8").splitlines()
            if line.strip()]


def test_datasets_well_formed() -> None:
    rows = _load("risk_tune.jsonl") + _load("risk_heldout.jsonl")
    assert len(rows) >= 400
    assert sum(r["lang"] == "nb" for r in rows) / len(rows) >= 0.40
    assert sum(not r["risk"] for r in rows) / len(rows) >= 0.50
    for r in rows:
        assert set(r) == {"text", "lang", "risk", "category"}
        assert r["lang"] in ("en", "nb")
        assert (r["category"] in CATEGORIES) if r["risk"] else r["category"] is None
    tune_texts = {r["text"] for r in _load("risk_tune.jsonl")}
    assert not tune_texts & {r["text"] for r in _load("risk_heldout.jsonl")}


@pytest.mark.parametrize("lang", ["en", "nb"])
def test_tune_set_recall_and_precision(lang: str) -> None:
    rows = [r for r in _load("risk_tune.jsonl") if r["lang"] == lang]
    tp = fp = fn = 0
    misses, fps = [], []
    for r in rows:
        pred = detect(r["text"], lang).risk
        tp += pred and r["risk"]
        fp += pred and not r["risk"]
        fn += (not pred) and r["risk"]
        if r["risk"] and not pred:
            misses.append(r["text"])
        if pred and not r["risk"]:
            fps.append(r["text"])
    recall = tp / (tp + fn)
    precision = tp / (tp + fp)
    assert recall >= 0.97, misses
    assert precision >= 0.90, fps


# ---------------------------------------------------------------- CLI helper
def test_cli_risk_check_streams_json_lines() -> None:
    lines = [
        json.dumps({"text": "I want to die", "lang": "en", "id": 7}),
        json.dumps({"text": "jeg er dødslei", "lang": "nb"}),
        "this is not json",
        "",
        json.dumps({"lang": "en"}),
        json.dumps({"text": "alle hadde hatt det bedre uten meg"}),
    ]
    stdin = io.StringIO("\n".join(lines) + "\n")
    stdout = io.StringIO()
    rc = risk_check(stdin, stdout)
    assert rc == 0
    out = [json.loads(x) for x in stdout.getvalue().splitlines()]
    assert len(out) == len(lines)
    assert out[0]["risk"] is True
    assert out[0]["action"] == "crisis"
    assert out[0]["category"] == "active_ideation"
    assert out[0]["evidence"] and isinstance(out[0]["score"], float)
    assert out[1]["risk"] is False and out[1]["action"] == "none"
    assert out[1]["category"] is None
    assert "error" in out[2]
    assert "error" in out[3]
    assert "error" in out[4]
    assert out[5]["category"] == "passive_ideation"


# ---------------------------------------------------------------- rule families added after
# the probe-set review (tests/data/risk_probe.jsonl); one example per family.
FAMILY_FIRE = [
    ("I've written letters to my kids just in case", "plan_or_intent"),
    ("I know which bridge I'd use", "plan_or_intent"),
    ("been googling painless ways to go", "plan_or_intent"),
    ("I've got enough pills saved up now", "plan_or_intent"),
    ("jeg har begynt å gi bort tingene mine", "plan_or_intent"),
    ("i kveld tar jeg alle pillene", "plan_or_intent"),  # V2 word order
    ("The only thing that helps is cutting", "self_harm"),
    ("jeg brente armen min med lighter med vilje", "self_harm"),
    ("I'm thinking of taking the kids with me when I go", "harm_to_others"),
    ("noen ganger tenker jeg på å skade babyen min", "harm_to_others"),
    ("hvis naboen sier ett ord til så stikker jeg ham ned", "harm_to_others"),
    ("my partner won't let me leave the house and takes my phone", "abuse"),
    ("he said he'd kill me if i told anyone", "abuse"),
    ("I lost my temper and hit my son with a belt", "abuse"),
    ("han tar kvelertak på meg når han blir sint", "abuse"),
    ("they'd be happier if I was gone", "passive_ideation"),
    ("ingen ville merket det om jeg var borte", "passive_ideation"),
    ("After my last attempt I spent two weeks in hospital", "past_attempt"),
    ("I overdosed in March and ended up in A&E", "past_attempt"),
    # denial followed by a hedge keeps the risk
    ("I would never kill myself, but sometimes the thought crosses my mind", "passive_ideation"),
]
FAMILY_NOT_FIRE = [
    "I want to end this relationship, it's not working",
    "vi ble slått 5-0 på lørdag, helt knust",
    "they beat us 3-1 on saturday",
    "jeg kuttet meg i fingeren da jeg skar løk",
    "I want to die my hair pink",
    "I'm going to bring a knife to cut the cake at work",
    "jeg tok alle tablettene mine i morges som vanlig",
    "I don't want to die but sometimes I feel sad",
    "I wrote a letter to my kids' school about the bullying",
]


@pytest.mark.parametrize(("text", "category"), FAMILY_FIRE)
def test_family_fires(text: str, category: str) -> None:
    res = detect(text)
    assert res.risk, (text, normalise(text))
    assert res.category == category, (text, res.evidence)


@pytest.mark.parametrize("text", FAMILY_NOT_FIRE)
def test_family_not_fire(text: str) -> None:
    res = detect(text)
    assert not res.risk, (text, res.evidence)


# ---------------------------------------------------------------- concept co-occurrence layer
from bot.safety.concepts import find_concepts  # noqa: E402
from bot.safety.detector import PAST, RECENT, _negated  # noqa: E402


def _concept_hits(text: str):
    return find_concepts(normalise(text)[0], _negated, PAST, RECENT)


# (text, expected concept rule, expected category of that concept hit)
CONCEPT_FIRE = [
    # SELF + WISH/HOPE + DEATH
    ("i kind of hope i dont make it to 50", "concept.self_hope_death", "passive_ideation"),
    ("I'd honestly rather not be around next year", "concept.self_hope_death", "passive_ideation"),
    ("jeg vil bare slippe å våkne", "concept.self_hope_death", "passive_ideation"),
    ("part of me really wants to just end it", "concept.self_wish_death", "active_ideation"),
    ("I don't want to be alive any more", "concept.no_wish_life", "active_ideation"),
    # BURDEN + ABSENCE
    ("my kids would manage better with the insurance money", None, None),
    ("familien hadde klart seg bedre uten meg", "concept.burden", "passive_ideation"),
    # METHOD + INTENT/TIME/FIXATION
    ("I keep going out to the shed to look at the rope, keep looking at it", "concept.method_intent",
     "plan_or_intent"),
    ("i morgen går jeg ut i havet", "concept.method_intent", "plan_or_intent"),
    # MEANS + STOCKPILE, QUANTITY + LETHAL, HEIGHT + PLACE
    ("been stocking up on codeine from different pharmacies", "concept.means_stockpile",
     "plan_or_intent"),
    ("how many sleeping tablets would it take", "concept.quantity_lethal", "plan_or_intent"),
    ("hvor høyt er det fra taket på blokka", "concept.height_place", "plan_or_intent"),
    # PREP + AFTER
    ("I've written down my passwords so my brother can deal with things after",
     "concept.preparation", "plan_or_intent"),
    ("har gitt bort gitaren, trenger ikke den etter fredag", "concept.preparation", "plan_or_intent"),
    # SELF-HARM ACT + SELF object (past -> past_attempt)
    ("I scratched my forearms raw last night", "concept.sh_act_self", "self_harm"),
    ("har skadet meg igjen", "concept.sh_act_self", "self_harm"),
    ("when I was at uni I used to burn my legs", "concept.sh_act_self", "past_attempt"),
    # ATTEMPT + PAST
    ("Had an OD when I was at college", "concept.attempt_past", "past_attempt"),
    # AGENT + VIOLENCE + VICTIM, control, fear
    ("my stepfather strangles me when he is angry", "concept.agent_violence_victim", "abuse"),
    ("faren min banker mamma når han er full", "concept.agent_violence_victim", "abuse"),
    ("he controls all the money and won't let me see friends", "concept.agent_control", "abuse"),
    ("jeg er livredd for samboeren min", "concept.fear_partner", "abuse"),
    # SELF + INTRUSIVE + VIOLENCE + PERSON
    ("I get images of drowning my baby in the bath", "concept.self_violence_other",
     "harm_to_others"),
    ("jeg er redd for at jeg skal skade ungen min", "concept.self_violence_other",
     "harm_to_others"),
]
CONCEPT_FIRE = [c for c in CONCEPT_FIRE if c[1] is not None]

CONCEPT_NOT_FIRE = [
    "this commute is killing me",
    "I'm dying to try that new ramen place",
    "my laptop died during the exam",
    "I want to see the northern lights before I die",
    "I hope my grandad doesn't die before Christmas",
    "my nan died in her sleep and I miss her",
    "I hope I don't get into an accident on the ice",
    "will I die if I mix paracetamol and ibuprofen?",
    "I want to disappear to a cabin for a weekend",
    "I'm thinking of ending it with my girlfriend",
    "we beat them 4-2 in the cup match",
    "my son hit the ball over the fence",
    "I cut back on sugar and feel better",
    "I burned my hand on the oven tray",
    "jeg kuttet meg på et papirark på jobben",
    "vi slo i hjel tida med kortspill",
    "jeg er dødstrøtt i dag",
    "jeg holdt på å dø av latter",
    "jeg vil forsvinne en helg til hytta",
    "I wrote a letter to the council about the bins",
    "I have enough pills for the month",
    "I'm going to the gun club tonight",
    "the film is about a man who wants to die",
    "my mum will kill me if I'm late",
    "she hit me up on snapchat",
    "I'm not suicidal and I don't want to die",
]


@pytest.mark.parametrize(("text", "rule", "category"), CONCEPT_FIRE)
def test_concept_fires(text: str, rule: str, category: str) -> None:
    hits = _concept_hits(text)
    got = {(h.rule, h.category) for h in hits}
    assert (rule, category) in got, (text, normalise(text), got)
    assert detect(text).risk


@pytest.mark.parametrize("text", CONCEPT_NOT_FIRE)
def test_concept_does_not_fire(text: str) -> None:
    assert _concept_hits(text) == [], (text, _concept_hits(text))


def test_concept_evidence_shape() -> None:
    res = detect("i kind of hope i dont make it to 50")
    ev = [e for e in res.evidence if e.startswith("concepts ")]
    assert ev, res.evidence
    assert ev[0] == "concepts SELF+HOPE+DEATH: 'i' 'hope' 'dont make it to 50' (concept/passive_ideation)"
    m = [m for m in res.matches if m.concepts][0]
    assert m.rule == "concept.self_hope_death" and m.concepts == "SELF+HOPE+DEATH"
    assert m.urgency == "soon"


def test_concept_merges_with_rules() -> None:
    # phrase rule and concept layer both fire; the union is reported, priority unchanged
    res = detect("I want to die")
    rules = {m.rule for m in res.matches}
    assert any(r.startswith("concept.") for r in rules)
    assert any(not r.startswith("concept.") for r in rules)
    assert res.category == "active_ideation"


@pytest.mark.parametrize("text", [
    "i want to do the questionnaire now", "what do you want to do", "i want to do the check-in",
    "I dont know what to do anymore with my job", "how tall is the eiffel tower",
])
def test_everyday_english_do_and_trivia_do_not_fire(text: str) -> None:
    # "dø" typed without ø is "do"; it only counts after a Norwegian verb.
    assert detect(text, "en").risk is False


@pytest.mark.parametrize("text", ["jeg vil do", "har lyst til a do", "vil bare do nå"])
def test_norwegian_do_without_o_slash_still_fires(text: str) -> None:
    assert detect(text, "nb").risk is True


@pytest.mark.parametrize(("text", "category"), [
    ("im not safe with my husband", "abuse"), ("i don't feel safe at home", "abuse"),
    ("i'm at the bridge now", "plan_or_intent"), ("standing on the roof", "plan_or_intent"),
])
def test_unsafe_with_someone_and_at_a_high_place(text: str, category: str) -> None:
    result = detect(text, "en")
    assert result.risk is True
    assert result.category == category
