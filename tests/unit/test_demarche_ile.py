"""ILE: the project's layout, documents, age on the eve of the vote, nationality, deadlines."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from pipeline.domain.demarches import (
    DEMARCHES,
    ILE,
    AttachmentInfo,
    Election,
    InvalidDossier,
    ValidationContext,
)
from pipeline.domain.demarches.dates import sixth_wednesday_before
from pipeline.domain.demarches.ile import online_deadline

#: Municipal elections, first round Sunday 15/03/2026: online deadline Wednesday 04/02/2026,
#: late exceptions until 05/03/2026 (J-10).
MUNICIPALES = Election(first_round=date(2026, 3, 15), type="municipales", label="municipales 2026")
PRESIDENTIELLE = Election(first_round=date(2027, 4, 11), type="presidentielle")
BEFORE_DEADLINE = date(2026, 1, 20)
DOCUMENTS = ["justificatif_identite", "justificatif_domicile"]
#: A domicile outside the commune (Lyon 1er arrondissement).
LYON = {"CodePostal": "69001", "Localite": "Lyon", "CodeINSEE": "69381"}


def dossier(**top: Any) -> dict[str, Any]:
    """A complete ILE dossier of a French elector born 02/05/1990 living in Demoville (59350)."""
    personne = {
        "Civilite": "MME",
        "Sexe": "2",
        "NomFamille": "DURAND",
        "PrenomUsuel": "Camille",
        "DateNaissance": "02/05/1990",
        "Nationalite": "FRA",
        "LieuNaissance": [{"Code": "COMMUNE", "Nom": "Lyon"}],
        "AdresseDomicile": {"CodePostal": "59000", "Localite": "Lille", "CodeINSEE": "59350"},
        "MethodeContact": [{"URI": "camille.durand@example.fr", "CanalCode": "EMAIL"}],
    }
    personne.update(top.pop("personne", {}))
    return {"Personne": personne, "Rattachement": {"Motif": "DOMICILE"}, **top}


def ctx(today: date = BEFORE_DEADLINE, elections: tuple[Election, ...] = (MUNICIPALES,)):
    return ValidationContext(
        today=today, commune_insee="59350", commune_codes=frozenset({"59350"}), elections=elections
    )


def files(*kinds: str) -> list[AttachmentInfo]:
    return [AttachmentInfo(kind, f"{kind}.pdf", "application/pdf", 1000) for kind in kinds]


def validate(data: dict[str, Any], context: ValidationContext | None = None, kinds=DOCUMENTS):
    return ILE.validate(data, files(*kinds), context or ctx())


def codes(report) -> list[str]:
    return [flag.code for flag in report.flags]


def errors_of(data: Any) -> dict[str, str]:
    with pytest.raises(InvalidDossier) as caught:
        ILE.normalize(data, today=BEFORE_DEADLINE)
    return {error.field: error.message for error in caught.value.errors}


def born(text: str) -> dict[str, Any]:
    return dossier(personne={"DateNaissance": text})


# --- The démarche as data -------------------------------------------------------------------


def test_ile_is_registered_under_its_national_identifier() -> None:
    assert DEMARCHES["InscriptionListesElectorales"] is ILE
    assert ILE.short == "ILE"
    assert ILE.title == "Demande d'inscription sur les listes électorales"
    assert ILE.issues_attestation is False
    assert ILE.attachment_kinds == {
        "justificatif_identite",
        "justificatif_domicile",
        "declaration_ue",
    }


def test_layout_is_documented_in_the_module() -> None:
    import pipeline.domain.demarches.ile as module

    for word in ("Rattachement", "InscriptionPrecedente", "Election", "MotifTardif"):
        assert word in module.__doc__


# --- normalize ------------------------------------------------------------------------------


def test_codes_are_canonical_after_normalize() -> None:
    data = dossier(
        personne={"Nationalite": "ita"},
        Rattachement={"Motif": "residence"},
        Election={"Date": "7/6/2026", "Type": " Européennes "},
        InscriptionPrecedente={"CodeINSEE": "2b033", "Localite": "Bastia", "Pays": "fra"},
        MotifTardif="majorite",
    )
    out = ILE.normalize(data, today=BEFORE_DEADLINE)
    assert out["Personne"]["Nationalite"] == "ITA"
    assert out["Rattachement"] == {"Motif": "RESIDENCE"}
    assert out["Election"] == {"Date": "07/06/2026", "Type": "europeennes"}
    assert out["InscriptionPrecedente"] == {
        "CodeINSEE": "2B033",
        "Localite": "Bastia",
        "Pays": "FRA",
    }
    assert out["MotifTardif"] == "MAJORITE"


def test_optional_parts_may_be_empty() -> None:
    data = dossier(Rattachement={"Motif": ""}, Election={"Date": "", "Type": None}, MotifTardif="")
    out = ILE.normalize(data, today=BEFORE_DEADLINE)
    assert set(out) == {"Personne"}


def test_unknown_tie_to_the_commune_is_refused() -> None:
    errors = errors_of(dossier(Rattachement={"Motif": "AMI"}))
    assert "DOMICILE" in errors["Rattachement.Motif"]


@pytest.mark.parametrize("when", ["2026-03-15", "31/04/2026", "dimanche"])
def test_malformed_election_date_is_refused(when: str) -> None:
    assert "Election.Date" in errors_of(dossier(Election={"Date": when}))


def test_malformed_previous_registration_code_is_refused() -> None:
    assert "InscriptionPrecedente.CodeINSEE" in errors_of(
        dossier(InscriptionPrecedente={"CodeINSEE": "123"})
    )


def test_ile_without_email_is_refused_with_every_other_error() -> None:
    errors = errors_of(
        dossier(personne={"MethodeContact": [], "Sexe": "3"}, Rattachement={"Motif": "X"})
    )
    assert set(errors) == {"Personne.MethodeContact", "Personne.Sexe", "Rattachement.Motif"}


def test_citizen_identity_accessors() -> None:
    data = dossier()
    assert ILE.citizen_email(data) == "camille.durand@example.fr"
    assert ILE.citizen_name(data) == "Camille DURAND"
    assert ILE.domicile_insee(data) == "59350"


# --- Missing data and documents -------------------------------------------------------------


def test_complete_french_request_in_time_has_nothing_to_report() -> None:
    report = validate(dossier())
    assert report.complete and report.flags == [] and report.refusal_motive is None
    assert not report.late


@pytest.mark.parametrize("kind", DOCUMENTS)
def test_identity_and_proof_of_address_are_required(kind: str) -> None:
    report = validate(dossier(), kinds=[k for k in DOCUMENTS if k != kind])
    assert len(report.missing) == 1


def test_proof_of_address_must_be_less_than_three_months_old() -> None:
    report = validate(dossier(), kinds=["justificatif_identite"])
    assert "moins de 3 mois" in report.missing[0]


def test_missing_identity_data_makes_the_request_incomplete() -> None:
    data = dossier()
    for key in ("NomFamille", "PrenomUsuel", "DateNaissance", "LieuNaissance", "AdresseDomicile"):
        del data["Personne"][key]
    assert len(validate(data).missing) == 5


def test_eu_citizen_must_add_the_written_declaration() -> None:
    data = dossier(personne={"Nationalite": "ITA"})
    report = validate(data)
    assert len(report.missing) == 1 and "Union européenne" in report.missing[0]
    assert validate(data, kinds=[*DOCUMENTS, "declaration_ue"]).complete


def test_french_citizen_needs_no_eu_declaration() -> None:
    assert validate(dossier()).complete


def test_empty_nationality_is_no_reason_to_refuse_or_ask_more() -> None:
    report = validate(dossier(personne={"Nationalite": ""}))
    assert report.complete and report.flags == []


# --- Age on the day before the first round (15/03/2026) ------------------------------------


def test_eighteen_exactly_on_the_day_before_the_vote_is_eligible() -> None:
    assert codes(validate(born("14/03/2008"))) == []


def test_eighteen_on_the_day_of_the_vote_is_too_young() -> None:
    report = validate(born("15/03/2008"))
    assert codes(report) == ["mineur"]
    assert "15/03/2026" in report.refusal_motive
    assert "RAPO" in report.refusal_motive and "5 jours" in report.refusal_motive
    assert report.complete


def test_leap_day_birth_is_eighteen_on_first_of_march_in_common_years() -> None:
    vote_on_2nd = Election(first_round=date(2026, 3, 2), type="partielle")
    vote_on_1st = Election(first_round=date(2026, 3, 1), type="partielle")
    early = date(2026, 1, 2)
    assert "mineur" not in codes(validate(born("29/02/2008"), ctx(early, (vote_on_2nd,))))
    assert "mineur" in codes(validate(born("29/02/2008"), ctx(early, (vote_on_1st,))))


def test_without_election_age_is_judged_on_the_filing_day() -> None:
    assert codes(validate(born("20/01/2008"), ctx(elections=()))) == []
    assert codes(validate(born("21/01/2008"), ctx(elections=()))) == ["mineur"]


# --- Nationality ----------------------------------------------------------------------------


def test_nationality_outside_the_eu_is_flagged_with_a_refusal_motive() -> None:
    report = validate(dossier(personne={"Nationalite": "USA"}))
    assert codes(report) == ["nationalite"]
    assert "RAPO" in report.refusal_motive


def test_eu_citizen_may_register_for_municipal_elections() -> None:
    data = dossier(personne={"Nationalite": "DEU"})
    assert validate(data, kinds=[*DOCUMENTS, "declaration_ue"]).flags == []


def test_eu_citizen_aiming_at_a_national_election_is_told_about_complementary_lists() -> None:
    report = validate(
        dossier(personne={"Nationalite": "DEU"}),
        ctx(date(2027, 1, 5), (PRESIDENTIELLE,)),
        kinds=[*DOCUMENTS, "declaration_ue"],
    )
    assert codes(report) == ["liste_complementaire"]
    assert report.refusal_motive is None


def test_french_citizen_aiming_at_a_national_election_has_no_flag() -> None:
    assert validate(dossier(), ctx(date(2027, 1, 5), (PRESIDENTIELLE,))).flags == []


# --- Deadlines ------------------------------------------------------------------------------


def test_sixth_wednesday_before_the_vote_is_the_online_deadline() -> None:
    assert sixth_wednesday_before(date(2026, 3, 15)) == date(2026, 2, 4)
    assert sixth_wednesday_before(date(2024, 6, 9)) == date(2024, 5, 1)
    # A Wednesday vote does not count itself.
    assert sixth_wednesday_before(date(2026, 3, 18)) == date(2026, 2, 4)


def test_filing_on_the_deadline_day_is_in_time() -> None:
    assert codes(validate(dossier(), ctx(date(2026, 2, 4)))) == []


def test_filing_the_day_after_the_deadline_is_out_of_time() -> None:
    report = validate(dossier(), ctx(date(2026, 2, 5)))
    assert codes(report) == ["hors_delai"]
    assert "04/02/2026" in report.refusal_motive
    assert "RAPO" in report.refusal_motive
    assert not report.late


def test_configured_online_deadline_overrides_the_sixth_wednesday() -> None:
    election = Election(
        first_round=date(2026, 3, 15), type="municipales", online_deadline=date(2026, 2, 6)
    )
    assert online_deadline(election) == date(2026, 2, 6)
    assert codes(validate(dossier(), ctx(date(2026, 2, 6), (election,)))) == []
    assert codes(validate(dossier(), ctx(date(2026, 2, 7), (election,)))) == ["hors_delai"]


def test_late_request_with_a_reason_on_the_tenth_day_before_the_vote_is_admissible() -> None:
    report = validate(dossier(MotifTardif="MAJORITE"), ctx(date(2026, 3, 5)))
    assert codes(report) == ["inscription_tardive"]
    assert report.late is True
    assert report.refusal_motive is None


def test_late_request_with_a_reason_on_the_ninth_day_before_the_vote_is_out_of_time() -> None:
    report = validate(dossier(MotifTardif="MAJORITE"), ctx(date(2026, 3, 6)))
    assert codes(report) == ["hors_delai"]
    assert not report.late


def test_late_request_without_reason_is_out_of_time() -> None:
    assert codes(validate(dossier(), ctx(date(2026, 2, 20)))) == ["hors_delai"]


def test_late_request_with_an_unknown_reason_is_out_of_time() -> None:
    report = validate(dossier(MotifTardif="VACANCES"), ctx(date(2026, 2, 20)))
    assert codes(report) == ["hors_delai"]
    assert "VACANCES" in report.flags[0].message


@pytest.mark.parametrize(
    "reason", ["DEMENAGEMENT_PROFESSIONNEL", "MAJORITE", "NATURALISATION", "RECOUVREMENT_DROITS"]
)
def test_every_listed_late_reason_is_recognised(reason: str) -> None:
    assert validate(dossier(MotifTardif=reason), ctx(date(2026, 2, 20))).late


def test_no_upcoming_election_means_no_deadline() -> None:
    past = Election(first_round=date(2025, 6, 1), type="partielle")
    assert validate(dossier(), ctx(date(2026, 5, 1), ())).flags == []
    assert validate(dossier(), ctx(date(2026, 5, 1), (past, MUNICIPALES))).flags == []


def test_next_election_after_today_is_the_default_target() -> None:
    report = validate(dossier(), ctx(date(2026, 3, 20), (PRESIDENTIELLE, MUNICIPALES)))
    assert report.flags == []  # municipales are over; the presidential deadline is far


def test_named_election_date_selects_the_configured_election() -> None:
    data = dossier(Election={"Date": "11/04/2027"})
    # Out of time for the municipales, but the elector aims at the presidential election.
    assert validate(data, ctx(date(2026, 2, 20), (MUNICIPALES, PRESIDENTIELLE))).flags == []


def test_named_election_type_selects_the_next_election_of_that_type() -> None:
    data = dossier(Election={"Type": "presidentielle"})
    assert validate(data, ctx(date(2026, 2, 20), (MUNICIPALES, PRESIDENTIELLE))).flags == []


def test_unconfigured_election_date_still_has_the_legal_deadline() -> None:
    data = dossier(Election={"Date": "15/03/2026", "Type": "municipales"})
    assert codes(validate(data, ctx(date(2026, 2, 5), ()))) == ["hors_delai"]


# --- Commune --------------------------------------------------------------------------------


def test_domicile_outside_the_commune_is_flagged_for_a_domicile_tie() -> None:
    data = dossier(personne={"AdresseDomicile": LYON})
    report = validate(data)
    assert codes(report) == ["commune_non_competente"]
    assert "69381" in report.refusal_motive and "RAPO" in report.refusal_motive


@pytest.mark.parametrize("motif", ["RESIDENCE", "PARENT"])
def test_residence_and_parent_ties_also_need_a_domicile_in_the_commune(motif: str) -> None:
    data = dossier(Rattachement={"Motif": motif}, personne={"AdresseDomicile": LYON})
    assert codes(validate(data)) == ["commune_non_competente"]


@pytest.mark.parametrize("motif", ["CONTRIBUABLE", "GERANT", "FONCTIONNAIRE"])
def test_other_ties_allow_a_domicile_elsewhere(motif: str) -> None:
    data = dossier(Rattachement={"Motif": motif}, personne={"AdresseDomicile": LYON})
    assert validate(data).flags == []


def test_absent_tie_is_read_as_domicile() -> None:
    data = dossier(personne={"AdresseDomicile": LYON})
    del data["Rattachement"]
    assert codes(validate(data)) == ["commune_non_competente"]


def test_several_refusal_reasons_share_one_motive_ending_with_the_appeal() -> None:
    data = dossier(personne={"Nationalite": "USA", "DateNaissance": "01/01/2010"})
    report = validate(data, ctx(date(2026, 2, 20)))
    assert codes(report) == ["mineur", "nationalite", "hors_delai"]
    assert report.refusal_motive.endswith("de sa notification.")
    assert report.refusal_motive.count("RAPO") == 1


def test_validate_never_raises_on_unusable_data() -> None:
    data = {"Personne": "?", "Election": {"Date": "bientôt"}, "Rattachement": ["x"]}
    assert not ILE.validate(data, [], ctx()).complete
