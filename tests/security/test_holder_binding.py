"""Holder binding: a credential proves skills only for the learner it was issued to. A learner
who holds another learner's signed credential (a replay) gets no proven skill from it."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from skillmatch.credentials import Credential, Recipient, TrustList, read_file
from skillmatch.matching import Matcher
from skillmatch.passport import build_passport
from tests.conftest import SAMPLES

DAAN = ["daan.verhoeven@example.com", "did:example:d4an5v3rh03v3n7f3a"]  # the sample learner (samples README)
SIGNED = ("ob3-fhr-smart-grid-monitoring.json", "ob3-hds-energiedata-analyseren.jwt")


def wallet(names: tuple[str, ...] = SIGNED) -> list[Credential]:
    trust = TrustList.load(SAMPLES / "trust.json")
    return [read_file(SAMPLES / "wallet" / name, trust=trust) for name in names]


def test_a_hashed_e_mail_recipient_matches_its_address_only() -> None:
    salt = "f41c0e7b"
    recipient = Recipient("sha256$" + hashlib.sha256(("ada@example.org" + salt).encode()).hexdigest(), True, salt)
    assert recipient.matches("ada@example.org") and recipient.matches(" Ada@Example.org ")
    assert not recipient.matches("eve@example.org") and not recipient.matches("ada@example.org" + salt)
    md5 = Recipient("md5$" + hashlib.md5(b"ada@example.org").hexdigest(), True)
    assert md5.matches("ada@example.org")
    assert not Recipient("sha1$abc", True).matches("ada@example.org")
    assert not Recipient("sha256$", True).matches("ada@example.org")


def test_a_did_recipient_matches_itself() -> None:
    assert Recipient("did:example:123").matches("did:example:123")
    assert not Recipient("did:example:123").matches("did:example:1234")


def test_every_sample_credential_names_the_sample_learner() -> None:
    trust = TrustList.load(SAMPLES / "trust.json")
    by_url = {"assertion-rll-warmtepompen.json", "assertion-hds-data-visualisation.json"}  # badge given as a URL
    for path in sorted((SAMPLES / "wallet").iterdir()):
        if path.name not in by_url:
            recipient = read_file(path, trust=trust).recipient
            assert recipient is not None and any(recipient.matches(i) for i in DAAN), path.name


def test_the_holder_s_own_signed_credentials_prove(esco_matcher: Matcher) -> None:
    passport = build_passport(wallet(), esco_matcher, holder=DAAN)
    assert passport.proven and all(c.holder.bound for c in passport.credentials)
    assert all(c.holder.reason == "issued to an identifier registered for the holder" for c in passport.credentials)


@pytest.mark.parametrize(("holder", "reason"), [
    (["eva@example.com", "did:example:eva"], "issued to someone else"),
    ([], "no identifier is registered"),
])
def test_someone_else_s_signed_credentials_only_claim(esco_matcher: Matcher, holder: list[str], reason: str) -> None:
    passport = build_passport(wallet(), esco_matcher, holder=holder)
    assert not passport.proven and passport.claimed
    assert all(c.holder.bound is False and reason in c.holder.reason and c.skills == 0 for c in passport.credentials)
    assert all(c.verification.verified for c in passport.credentials)  # the signatures are fine: the holder is not
    data = passport.to_dict()
    assert data["skills"] == [] and data["credentials"][0]["holder"]["bound"] is False


def test_a_credential_naming_no_recipient_cannot_be_bound(esco_matcher: Matcher) -> None:
    from dataclasses import replace

    [credential] = wallet(SIGNED[:1])
    passport = build_passport([replace(credential, recipient=None)], esco_matcher, holder=DAAN)
    assert not passport.proven and "names no recipient" in passport.credentials[0].holder.reason


def test_without_a_holder_the_files_are_taken_as_the_learner_s_own(esco_matcher: Matcher) -> None:
    passport = build_passport(wallet(), esco_matcher)
    assert passport.proven and all(c.holder.bound is None for c in passport.credentials)


def test_the_cli_binds_a_passport_to_its_holder(esco_matcher: Matcher, tmp_path: Path) -> None:
    import json

    from typer.testing import CliRunner

    from skillmatch.cli import app

    files = [str(SAMPLES / "wallet" / name) for name in SIGNED]
    common = ["--trust", str(SAMPLES / "trust.json"), "--database-url", f"sqlite:///{tmp_path / 'c.sqlite'}",
              "--json"]
    own = CliRunner().invoke(app, ["passport", "build", *files, *common, "--holder", DAAN[0], "--holder", DAAN[1]])
    other = CliRunner().invoke(app, ["passport", "build", *files, *common, "--holder", "eva@example.com"])
    assert own.exit_code == 0 and other.exit_code == 0, own.output + other.output
    assert json.loads(own.stdout)["skills"] and not json.loads(other.stdout)["skills"]
    assert json.loads(other.stdout)["claimed"]
