"""skillmatch: link (micro)credentials to the ESCO skills taxonomy.

>>> import skillmatch                                                              # doctest: +SKIP
>>> matcher = skillmatch.open_matcher(skillmatch.Settings().data_dir, "e5-small")  # doctest: +SKIP
>>> store = skillmatch.CatalogueStore.open(None, skillmatch.Settings().data_dir)    # doctest: +SKIP
>>> wallet = skillmatch.wallet_passport([(str(p), p) for p in files], matcher, store=store)  # doctest: +SKIP
>>> profile = skillmatch.profile_from_passport(wallet.passport)                    # doctest: +SKIP
>>> skillmatch.occupation_gap(profile, occupation_uri, matcher.taxonomy).coverage   # doctest: +SKIP

The names in ``__all__`` load their module when first used (PEP 562), so importing one part
(``skillmatch.gaps``, say) does not load the matcher and its FAISS indexes. The recommendation
itself is ``skillmatch.recommend.recommend``: ``skillmatch.recommend`` is its module.

This service uses the ESCO classification of the European Commission.
"""

import importlib

__version__ = "0.1.0"

# Where each public name lives. No name may be that of a submodule (``recommend``, ``coverage``):
# importing the submodule would rebind the package attribute to the module.
_EXPORTS = {
    "Settings": "skillmatch.config",
    # the taxonomy
    "ConceptKind": "skillmatch.taxonomy",
    "Taxonomy": "skillmatch.taxonomy",
    "build_taxonomy": "skillmatch.taxonomy",
    "load_taxonomy": "skillmatch.taxonomy",
    "store_path": "skillmatch.taxonomy",
    # matching text to ESCO
    "Match": "skillmatch.matching",
    "Matcher": "skillmatch.matching",
    "open_matcher": "skillmatch.matching",
    # credentials, the catalogue and the passport
    "Credential": "skillmatch.credentials",
    "TrustList": "skillmatch.credentials",
    "read_contents": "skillmatch.credentials",
    "read_credential": "skillmatch.credentials",
    "Catalogue": "skillmatch.catalogue",
    "offered_credentials": "skillmatch.catalogue",
    "CatalogueStore": "skillmatch.store",
    "build_passport": "skillmatch.passport",
    "CredentialSkill": "skillmatch.domain",
    "HeldSkill": "skillmatch.domain",
    "OfferedCredential": "skillmatch.domain",
    "Passport": "skillmatch.domain",
    "profile_from_passport": "skillmatch.domain",
    # advice
    "occupation_fit": "skillmatch.gaps",
    "occupation_gap": "skillmatch.gaps",
    "profile_from_skills": "skillmatch.gaps",
    "Constraints": "skillmatch.recommend",
    "pathway": "skillmatch.recommend",
    "CandidateIndex": "skillmatch.candidates",
    "rank_candidates": "skillmatch.candidates",
    "role_from_occupation": "skillmatch.candidates",
    "offer_coverage": "skillmatch.coverage",
    "overlap": "skillmatch.coverage",
    # what the command line and the API do
    "learner_constraints": "skillmatch.service",
    "profile_from_passport_file": "skillmatch.service",
    "read_held": "skillmatch.service",
    "resolve_occupation": "skillmatch.service",
    "resolve_role": "skillmatch.service",
    "role_from_text": "skillmatch.service",
    "wallet_passport": "skillmatch.service",
    # errors
    "ConfigurationError": "skillmatch.errors",
    "CredentialError": "skillmatch.errors",
    "DuplicateError": "skillmatch.errors",
    "InputError": "skillmatch.errors",
    "SkillmatchError": "skillmatch.errors",
    "StoreError": "skillmatch.errors",
    "TaxonomyNotBuiltError": "skillmatch.errors",
    "TaxonomySourceError": "skillmatch.errors",
    "UnknownConceptError": "skillmatch.errors",
    "VerificationError": "skillmatch.errors",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> object:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'skillmatch' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    # Bound in the package, so that later look-ups no longer come here.
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
