"""Plain questions to the report model: the corpus (tests/ui/question_corpus.py, 60+ phrasings per language) each
read as the report it asks for, the direct answer's numbers against the store, the words that may name a model,
and the help for what is no question, in the language it was written in."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sessions
from question_corpus import CHINESE, ENGLISH, NOT_QUESTIONS, SPANISH
from sessions import NOW, seeded_store

from plugin.domain import ranges, reports
from plugin.money import money
from plugin.store import Store
from plugin.ui import question
from plugin.ui.markdown import number
from plugin.ui.parse import Command, parse, qualifiers
from plugin.ui.views import range_title
from plugin.words import i18n
from plugin.words.detect import written_in

ALICE = {"id": "u1", "name": "Alice", "email": "alice@example.com", "role": "user"}
BOB = {"id": "u2", "name": "Bob", "email": "bob@example.com", "role": "user"}
MODELS = [{"id": "gpt-4o", "name": "GPT-4o"}, {"id": "llama3:8b", "name": "Llama"}]
CORPUS = [("en", *row) for row in ENGLISH] + [("zh", *row) for row in CHINESE] + [("es", *row) for row in SPANISH]


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    store = seeded_store(tmp_path / "m.db", ALICE, BOB, second_model="llama3:8b")
    yield store
    store.close()


def ask(store: Store, text: str, lang: str, **extra: Any) -> str:
    context = sessions.session(store, ALICE, directory=[ALICE, BOB], models=MODELS, lang=lang, **extra)
    return sessions.ask(context, text)


def test_the_corpus_holds_sixty_phrasings_per_language() -> None:
    for corpus in (ENGLISH, CHINESE, SPANISH):
        assert len({row[0] for row in corpus}) >= 60


@pytest.mark.parametrize(("lang", "text", "name", "metric", "key", "days", "model"), CORPUS, ids=lambda v: str(v))
def test_each_phrasing_asks_for_its_report(
    lang: str, text: str, name: str, metric: str, key: str, days: int, model: str
) -> None:
    command = parse(text)
    assert command.question is not None, text
    assert (command.name, command.question.metric) == (name, metric)
    if name == "balance":
        assert command.args == ()  # a balance question is the reader's own balance, never `/balance NAME`
    else:
        rng = ranges.parse(qualifiers(command.args)[1], now=NOW, tz=None)
        assert (rng.key, rng.days if rng.key == "days" else 0) == (key, days)
    named = [word for word in command.question.models if question.looks_like_model(word)]
    assert named == ([model] if model else [])
    assert written_in(text) == (None if lang == "en" else lang)  # English shows none: the admin's language


@pytest.mark.parametrize(("text", "lang"), NOT_QUESTIONS)
def test_what_is_no_question_gets_the_help_in_its_language(store: Store, text: str, lang: str) -> None:
    command = parse(text)
    assert command.name == "help" and command.question is None
    answer = ask(store, text, lang)
    assert answer.startswith(i18n.t(lang, "help_unknown", text=text).split("“")[0])
    assert i18n.t(lang, "help_examples") in answer


def test_commands_as_typed_are_no_questions(store: Store) -> None:
    typed = ("/usage 7d", "用量 7天", "uso 7d", "usage last 7 days", "/balance", "余额 充值 bob 10", "/top 30d")
    for text in (*typed, "/usage all user:bob@example.com", "/usage user:bob@example.com"):
        assert parse(text).question is None, text
    # An admin's sub-command stays one, even when a name in it is a question's word ("left": the balance).
    assert parse("/balance add 'Ana Left' 5") == Command(
        "balance", "add", ("Ana Left", "5"), {}, "/balance add 'Ana Left' 5"
    )
    plain = ask(store, "用量 7天", "zh")
    assert plain.startswith(i18n.t("zh", "summary_title", balance=money(5_000_000 - 113_333, "$")))


def lead(store: Store, lang: str, metric: str, rng: ranges.Range, model: str = "") -> str:
    """The direct answer as the store's own sums say it."""
    if model:
        sums = next(r for r in reports.by_model(store, rng, ALICE["id"]) if r["model_id"] == model)
    else:
        sums = reports.totals(store, rng, ALICE["id"])
    key = f"answer_{metric}" + ("_model" if model else "")
    text = i18n.t(
        lang,
        key,
        range=range_title(rng, lang),
        cost=money(sums["cost"], "$"),
        replies=i18n.t(lang, "replies_one" if sums["calls"] == 1 else "replies", count=number(sums["calls"], lang)),
        tokens=number(sums["input_tokens"] + sums["output_tokens"], lang),
        input=number(sums["input_tokens"], lang),
        output=number(sums["output_tokens"], lang),
        model=model,
    )
    return f"**{text}**"


def test_a_question_leads_with_the_number_asked_in_the_readers_language(store: Store) -> None:
    week = ranges.parse("week", now=NOW, tz=None)
    answer = ask(store, "我这周花了多少", "zh")
    assert answer.startswith(lead(store, "zh", "cost", week))
    assert "$0.1133" in answer.split("\n")[0] and "2 条回复" in answer and "1,530 个 token" in answer
    assert i18n.t("zh", "by_model_title", range=range_title(week, "zh")) in answer  # then the usual report
    answer = ask(store, "¿cuántas respuestas llevo hoy?", "es")
    assert answer.startswith(lead(store, "es", "calls", ranges.parse("today", now=NOW, tz=None)))
    assert answer.startswith("**Hoy (2026-11-28): recibió 2 respuestas (1\u00a0530 tokens, $0.1133).**")
    answer = ask(store, "how many tokens did I use this month", "en")
    assert answer.startswith(lead(store, "en", "tokens", ranges.parse("month", now=NOW, tz=None)))
    assert "input 1,010, output 520" in answer.split("\n")[0]
    answer = ask(store, "what did I spend last week", "en")  # a range of its own name, not two bare dates
    assert answer.startswith("**Last week (2026-11-16 – 2026-11-22): you spent $0.0000 on 0 replies (0 tokens).**")
    answer = ask(store, "前天花了多少", "zh")
    assert answer.startswith("**前天（2026-11-26）")


def test_a_question_naming_a_model_answers_for_that_model(store: Store) -> None:
    week = ranges.parse("week", now=NOW, tz=None)
    answer = ask(store, "这周 llama3:8b 花了多少", "zh")
    assert answer.startswith(lead(store, "zh", "cost", week, "llama3:8b"))
    assert "$0.0022，共 1 条回复（30 个 token）" in answer.split("\n")[0] and "$0.1111" not in answer.split("\n")[0]
    assert i18n.t("zh", "records_filter_model", model="llama3:8b") in answer  # that model's replies follow
    by_name = ask(store, "what did I spend this week on llama", "en")  # a display name resolves too
    assert by_name.startswith(lead(store, "en", "cost", week, "llama3:8b"))
    assert "you spent $0.0022 on llama3:8b, in 1 reply (30 tokens)." in by_name.split("\n")[0]  # one, not "1 replies"
    marked = ask(store, "what did I spend this week on **`llama3:8b`**", "en")  # Markdown's marks are no part of it
    assert marked.startswith(lead(store, "en", "cost", week, "llama3:8b") + "\n\n")


def test_a_word_that_names_no_model_does_not_break_the_answer(store: Store) -> None:
    week = ranges.parse("week", now=NOW, tz=None)
    answer = ask(store, "how much did I spend this week on gpt-9z", "en")
    first, note = answer.split("\n\n")[:2]
    assert first == lead(store, "en", "cost", week)  # every model's numbers...
    assert note == i18n.t("en", "question_no_model", model="gpt-9z")  # ...and why
    plain = ask(store, "how much did I burn this week", "en")  # a word that is no model's shape: no note
    assert plain.startswith(lead(store, "en", "cost", week) + "\n\n**")


def test_a_balance_question_answers_the_balance(store: Store) -> None:
    for text, lang in (("我还剩多少钱", "zh"), ("¿cuánto me queda?", "es"), ("how much money do I have left", "en")):
        answer = ask(store, text, lang)
        assert answer.startswith(f"**{i18n.t(lang, 'answer_balance', balance=money(5_000_000 - 113_333, '$'))}**")


def test_the_help_suggests_the_closest_commands_in_the_readers_words(store: Store) -> None:
    assert question.closest("usgae 7d", lambda key: True) == ["usage"]
    assert question.closest("userss", lambda key: key != "users") == []  # what the reader may not use is no hint
    own = sessions.ask(sessions.session(store, ALICE, directory=[ALICE], models=MODELS), "/userss")
    admins = sessions.ask(
        sessions.session(store, {**ALICE, "role": "admin"}, directory=[ALICE], models=MODELS), "/userss"
    )
    assert "Closest commands" not in own and i18n.t("en", "help_closest", commands="`/users`") in admins
    answer = ask(store, "/usgae 7d", "zh")
    assert i18n.t("zh", "help_closest", commands="`/usage` (用量)") in answer
    assert i18n.t("zh", "help_examples") in answer


def test_a_questions_options_are_the_commands() -> None:
    command = parse("/usage user:bob yesterday on gpt-4o")
    assert command.question is not None and command.question.models == ("gpt-4o",)  # "user:bob" is no model
    assert (command.name, command.args, dict(command.options)) == ("usage", ("yesterday",), {"user": "bob"})
    command = parse('how much did I spend today model:llama3:8b user:"Bob B"')
    assert command.question is not None and command.question.models == ()
    assert dict(command.options) == {"model": "llama3:8b", "user": "Bob B"}


def test_an_admins_question_about_someone_answers_with_their_numbers(store: Store) -> None:
    today = ranges.parse("today", now=NOW, tz=None)
    admin = sessions.session(store, {**ALICE, "role": "admin"}, directory=[ALICE, BOB], models=MODELS)
    answer = sessions.ask(admin, "/usage user:bob today on gpt-4o")
    bob = next(r for r in reports.by_model(store, today, BOB["id"]) if r["model_id"] == "gpt-4o")
    alice = next(r for r in reports.by_model(store, today, ALICE["id"]) if r["model_id"] == "gpt-4o")
    assert bob["cost"] != alice["cost"]
    first = answer.split("\n\n")[0]
    assert money(bob["cost"], "$") in first and money(alice["cost"], "$") not in first
    assert "Bob" in answer.split("\n\n")[1]  # whose numbers they are
    # A reader's `user:` is ignored, as in `/usage user:bob`: their own numbers, and no model called "user:bob".
    own = ask(store, "/usage user:bob today on gpt-4o", "en")
    assert own.startswith(lead(store, "en", "cost", today, "gpt-4o") + "\n\n")
    assert "user:bob" not in own


def test_a_model_option_in_a_question_names_the_model(store: Store) -> None:
    today = ranges.parse("today", now=NOW, tz=None)
    answer = ask(store, "how much did I spend today model:llama3:8b", "en")
    assert answer.startswith(lead(store, "en", "cost", today, "llama3:8b") + "\n\n")


def test_the_closest_commands_compare_a_long_messages_first_words(monkeypatch: pytest.MonkeyPatch) -> None:
    latin = " ".join(f"zq{i}" for i in range(60))  # sixty distinct words, none like a command's
    assert question.closest(latin + " usgae", lambda key: True) == question.closest(latin, lambda key: True)
    assert question.closest(" ".join(f"zq{i}" for i in range(40)) + " usgae", lambda key: True) == ["usage"]
    han = "".join(chr(0x4E00 + 7 * i) for i in range(60))
    assert question.closest(han + "用亮", lambda key: True) == question.closest(han, lambda key: True)
    compared: list[str] = []
    close = question.difflib.get_close_matches
    monkeypatch.setattr(
        question.difflib, "get_close_matches", lambda w, *a, **k: compared.append(w) or close(w, *a, **k)
    )
    long = "".join(chr(0x4E00 + (37 * i) % 20_000) for i in range(2_000)) + " ".join(f"w{i}" for i in range(400))
    question.closest(long[:4_000], lambda key: True)
    assert 0 < len(compared) <= 2 * 50 + 1  # at most fifty words and fifty characters' pairs, not thousands


def test_an_admins_balance_question_about_someone_answers_with_theirs(store: Store) -> None:
    admin = sessions.session(store, {**ALICE, "role": "admin"}, directory=[ALICE, BOB], models=MODELS)
    answer = sessions.ask(admin, "how much is left user:bob")
    assert parse("how much is left user:bob").question is not None
    bob = store.get_user(BOB["id"])
    assert bob is not None and bob["balance"] != 5_000_000 - 113_333
    assert answer.startswith("**Bob") and money(bob["balance"], "$") in answer  # Bob's summary, Bob's balance
    assert i18n.t("en", "answer_balance", balance=money(5_000_000 - 113_333, "$")) not in answer  # not the admin's
    own = ask(store, "how much is left user:bob", "en")  # a reader's `user:` is ignored
    assert own.startswith(f"**{i18n.t('en', 'answer_balance', balance=money(5_000_000 - 113_333, '$'))}**")
