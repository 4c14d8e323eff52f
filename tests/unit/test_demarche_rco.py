"""RCO: normalisation of the national layout, missing items, age window and commune checks."""

from __future__ import annotations

import copy
from datetime import date
from typing import Any

import pytest

from pipeline.domain.demarches import (
    DEMARCHES,
    RCO,
    AttachmentInfo,
    InvalidDossier,
    ValidationContext,
)
from pipeline.domain.demarches.common import BAD_POSTCODE
from pipeline.domain.demarches.dates import (
    FUTURE_BIRTH,
    OLD_BIRTH,
    age_on,
    anniversary,
    format_date,
    last_day_of_month_after,
    parse_date,
)

TODAY = date(2026, 3, 10)
ALL_DOCUMENTS = ["justificatif_identite", "livret_famille"]


def dossier(**personne: Any) -> dict[str, Any]:
    """A complete RCO dossier of someone born 15/01/2010 living in Demoville (99001 → 59350)."""
    base: dict[str, Any] = {
        "Formalite": {
            "Identifiant": "A-9-NKT2G5KB",
            "FormaliteType": "DECL",
            "FormaliteMotifCode": ["RECENSEMENT"],
            "FormaliteModeCode": "AJOUT",
        },
        "Personne": {
            "Civilite": "M",
            "Sexe": "1",
            "NomFamille": "MARTIN",
            "PrenomUsuel": "Lucas",
            "DateNaissance": "15/01/2010",
            "PaysNaissance": "FRA",
            "LieuNaissance": [{"Code": "COMMUNE", "Nom": "Lille"}],
            "AdresseDomicile": {
                "NumeroVoie": "12",
                "TypeVoie": "RUE",
                "NomVoie": "des Lilas",
                "CodePostal": "59000",
                "Localite": "Lille",
                "CodeINSEE": "59350",
            },
            "MethodeContact": [{"URI": "lucas.martin@Example.FR", "CanalCode": "EMAIL"}],
        },
    }
    base["Personne"].update(personne)
    return base


def ctx(today: date = TODAY, **kwargs: Any) -> ValidationContext:
    return ValidationContext(
        today=today, commune_insee="59350", commune_codes=frozenset({"59350", "59298"}), **kwargs
    )


def files(*kinds: str) -> list[AttachmentInfo]:
    return [AttachmentInfo(kind, f"{kind}.pdf", "application/pdf", 1000) for kind in kinds]


def report_on(today: date, born: str = "15/01/2010", **kwargs: Any):
    return RCO.validate(dossier(DateNaissance=born), files(*ALL_DOCUMENTS), ctx(today, **kwargs))


def codes(report) -> list[str]:
    return [flag.code for flag in report.flags]


def errors_of(data: Any) -> dict[str, str]:
    with pytest.raises(InvalidDossier) as caught:
        RCO.normalize(data, today=TODAY)
    return {error.field: error.message for error in caught.value.errors}


# --- The démarche as data -------------------------------------------------------------------


def test_rco_is_registered_under_its_national_identifier() -> None:
    assert DEMARCHES["RecensementCitoyen"] is RCO
    assert RCO.short == "RCO"
    assert RCO.title == "Démarche d'inscription à la journée d'appel de préparation à la défense"
    assert RCO.issues_attestation is True
    assert RCO.attachment_kinds == {
        "justificatif_identite",
        "livret_famille",
        "justificatif_domicile",
        "carte_invalidite",
    }


# --- normalize ------------------------------------------------------------------------------


def test_single_values_of_repeated_elements_become_lists() -> None:
    data = dossier(
        LieuNaissance={"Code": "COMMUNE", "Nom": "Lille"},
        MethodeContact={"URI": "a@b.fr", "CanalCode": "EMAIL"},
    )
    data["Formalite"]["FormaliteMotifCode"] = "RECENSEMENT"
    out = RCO.normalize(data, today=TODAY)
    assert out["Personne"]["LieuNaissance"] == [{"Code": "COMMUNE", "Nom": "Lille"}]
    assert out["Personne"]["MethodeContact"] == [{"URI": "a@b.fr", "CanalCode": "EMAIL"}]
    assert out["Formalite"]["FormaliteMotifCode"] == ["RECENSEMENT"]


def test_empty_null_and_none_values_are_absent() -> None:
    data = dossier(
        NomUsage="",
        Prenom="null",
        Nationalite=None,
        CodeINSEENaissance="  ",
        AdresseResidence={"CodePostal": "", "Localite": "None"},
        SituationFamille={},
    )
    data["FiliationPere"] = {"NomFamille": "", "LieuNaissance": [{"Code": "", "Nom": ""}]}
    data["Formalite"]["FormaliteMotifCode"] = [""]
    out = RCO.normalize(data, today=TODAY)
    for key in (
        "NomUsage",
        "Prenom",
        "Nationalite",
        "CodeINSEENaissance",
        "AdresseResidence",
        "SituationFamille",
    ):
        assert key not in out["Personne"]
    assert "FiliationPere" not in out
    assert "FormaliteMotifCode" not in out["Formalite"]


def test_strings_are_stripped_and_codes_canonical() -> None:
    data = dossier(
        NomFamille="  MARTIN ",
        Civilite="mme",
        Sexe=2,
        DateNaissance="5/3/2010",
        Nationalite="fra",
        LieuNaissance=[{"Code": "commune", "Nom": " Ajaccio "}],
        AdresseDomicile={"CodePostal": "20 000", "Localite": "Ajaccio", "CodeINSEE": "2a004"},
        MethodeContact=[{"URI": " x@y.fr ", "CanalCode": "email"}],
    )
    personne = RCO.normalize(data, today=TODAY)["Personne"]
    assert personne["NomFamille"] == "MARTIN"
    assert personne["Civilite"] == "MME"
    assert personne["Sexe"] == "2"
    assert personne["DateNaissance"] == "05/03/2010"
    assert personne["Nationalite"] == "FRA"
    assert personne["LieuNaissance"] == [{"Code": "COMMUNE", "Nom": "Ajaccio"}]
    assert personne["AdresseDomicile"]["CodePostal"] == "20000"
    assert personne["AdresseDomicile"]["CodeINSEE"] == "2A004"
    assert personne["MethodeContact"] == [{"URI": "x@y.fr", "CanalCode": "EMAIL"}]


def test_normalize_leaves_the_submitted_data_untouched_and_is_idempotent() -> None:
    data = dossier(Civilite="mme", DateNaissance="5/3/2010")
    before = copy.deepcopy(data)
    once = RCO.normalize(data, today=TODAY)
    assert data == before
    assert RCO.normalize(once, today=TODAY) == once


def test_optional_schooling_and_exemption_are_carried_as_given() -> None:
    data = dossier(
        SituationScolaireOuProfessionnelle={"Situation": "LYCEE", "Diplome": ""},
        DemandeExemption="true",
    )
    personne = RCO.normalize(data, today=TODAY)["Personne"]
    assert personne["SituationScolaireOuProfessionnelle"] == {"Situation": "LYCEE"}
    assert personne["DemandeExemption"] == "true"


def test_missing_names_birth_date_and_domicile_do_not_stop_normalize() -> None:
    data = {"Personne": {"MethodeContact": {"URI": "a@b.fr", "CanalCode": "EMAIL"}}}
    assert RCO.normalize(data, today=TODAY)["Personne"]["MethodeContact"][0]["URI"] == "a@b.fr"


@pytest.mark.parametrize("data", [None, [], "dossier", 42])
def test_data_that_is_not_an_object_is_refused(data: Any) -> None:
    assert list(errors_of(data)) == ["dossier"]


def test_dossier_without_email_is_refused() -> None:
    errors = errors_of(dossier(MethodeContact=[{"URI": "0601020304", "CanalCode": "TEL"}]))
    assert "adresse électronique" in errors["Personne.MethodeContact"]


def test_dossier_without_person_is_refused_for_its_missing_email() -> None:
    assert "Personne.MethodeContact" in errors_of({"Formalite": {"Identifiant": "X"}})


@pytest.mark.parametrize(
    "uri",
    [
        "lucas.martin",
        "lucas@",
        "@example.fr",
        "a b@example.fr",
        "lucas@example",
        "lucas@@example.fr",
    ],
)
def test_implausible_email_is_refused(uri: str) -> None:
    errors = errors_of(dossier(MethodeContact=[{"URI": uri, "CanalCode": "EMAIL"}]))
    assert errors["Personne.MethodeContact"] == "L'adresse électronique indiquée n'est pas valide."


@pytest.mark.parametrize("born", ["31/02/2010", "2010-01-15", "15/01/10", "15-01-2010", "hier"])
def test_birth_date_that_is_not_a_real_dd_mm_yyyy_date_is_refused(born: str) -> None:
    assert "jj/mm/aaaa" in errors_of(dossier(DateNaissance=born))["Personne.DateNaissance"]


def test_birth_date_in_the_future_is_refused() -> None:
    errors = errors_of(dossier(DateNaissance="11/03/2026"))
    assert errors["Personne.DateNaissance"] == FUTURE_BIRTH


def test_birth_date_today_is_accepted() -> None:
    assert RCO.normalize(dossier(DateNaissance="10/03/2026"), today=TODAY)


@pytest.mark.parametrize("born", ["01/01/0001", "1/1/0999", "31/12/1899"])
def test_birth_date_before_1900_is_refused_not_stored_shortened(born: str) -> None:
    # 01/01/0001 used to be stored as 01/01/1, then reported to the citizen as missing.
    assert errors_of(dossier(DateNaissance=born))["Personne.DateNaissance"] == OLD_BIRTH


def test_birth_date_on_1_january_1900_is_accepted() -> None:
    data = RCO.normalize(dossier(DateNaissance="1/1/1900"), today=TODAY)
    assert data["Personne"]["DateNaissance"] == "01/01/1900"


@pytest.mark.parametrize(("born", "message"), [("01/01/0001", OLD_BIRTH),
                                               ("11/03/2026", FUTURE_BIRTH)])
def test_parent_birth_date_out_of_range_is_refused(born: str, message: str) -> None:
    data = dossier()
    data["FiliationMere"] = {"NomFamille": "DURAND", "DateNaissance": born}
    assert errors_of(data) == {"FiliationMere.DateNaissance": message}


def test_parent_birth_date_that_is_no_date_is_carried_as_given() -> None:
    data = dossier()
    data["FiliationPere"] = {"NomFamille": "MARTIN", "DateNaissance": "vers 1970"}
    assert RCO.normalize(data, today=TODAY)["FiliationPere"]["DateNaissance"] == "vers 1970"


def test_dates_keep_four_digit_years() -> None:
    assert format_date(date(1, 1, 1)) == "01/01/0001"
    assert format_date(date(2010, 1, 15)) == "15/01/2010"


@pytest.mark.parametrize("sex", ["0", "3", "M", "F"])
def test_sex_other_than_1_or_2_is_refused(sex: str) -> None:
    assert "Personne.Sexe" in errors_of(dossier(Sexe=sex))


@pytest.mark.parametrize("civility", ["MLLE", "MR", "Madame"])
def test_civility_other_than_m_or_mme_is_refused(civility: str) -> None:
    assert "Personne.Civilite" in errors_of(dossier(Civilite=civility))


@pytest.mark.parametrize("code", ["5935", "593500", "2C004", "ABCDE", "59 35"])
def test_malformed_insee_code_is_refused(code: str) -> None:
    errors = errors_of(dossier(AdresseDomicile={"CodePostal": "59000", "CodeINSEE": code}))
    assert "Personne.AdresseDomicile.CodeINSEE" in errors


@pytest.mark.parametrize("code", ["5900", "590000", "F-59000", "2A000"])
def test_malformed_postcode_is_refused(code: str) -> None:
    errors = errors_of(dossier(AdresseResidence={"CodePostal": code}))
    assert errors["Personne.AdresseResidence.CodePostal"] == BAD_POSTCODE


def test_every_error_is_reported_at_once() -> None:
    data = dossier(
        Sexe="9",
        Civilite="X",
        DateNaissance="32/01/2010",
        AdresseDomicile={"CodePostal": "1", "CodeINSEE": "1"},
        MethodeContact=[],
    )
    assert set(errors_of(data)) == {
        "Personne.Sexe",
        "Personne.Civilite",
        "Personne.DateNaissance",
        "Personne.AdresseDomicile.CodePostal",
        "Personne.AdresseDomicile.CodeINSEE",
        "Personne.MethodeContact",
    }


def test_object_where_a_value_is_expected_is_refused() -> None:
    errors = errors_of(dossier(NomFamille={"Nom": "MARTIN"}, AdresseDomicile="Lille"))
    assert set(errors) == {"Personne.NomFamille", "Personne.AdresseDomicile"}


def test_single_element_given_twice_is_refused() -> None:
    errors = errors_of(dossier(NomFamille=["MARTIN", "DURAND"]))
    assert errors["Personne.NomFamille"] == "Cette rubrique ne peut figurer qu'une fois."


# --- Citizen's identity ---------------------------------------------------------------------


def test_citizen_email_has_its_domain_lower_cased() -> None:
    assert RCO.citizen_email(dossier()) == "lucas.martin@example.fr"


def test_citizen_email_drops_mailto_and_skips_implausible_entries() -> None:
    contacts = [
        {"URI": "0601020304", "CanalCode": "TEL"},
        {"URI": "pas une adresse", "CanalCode": "EMAIL"},
        {"URI": "mailto:Lucas@Mail.Example.FR", "CanalCode": "EMAIL"},
    ]
    data = RCO.normalize(dossier(MethodeContact=contacts), today=TODAY)
    assert RCO.citizen_email(data) == "Lucas@mail.example.fr"


def test_citizen_email_without_address_raises_invalid_dossier() -> None:
    with pytest.raises(InvalidDossier):
        RCO.citizen_email({"Personne": {}})


def test_citizen_name_is_first_name_then_family_name() -> None:
    assert RCO.citizen_name(dossier()) == "Lucas MARTIN"
    assert RCO.citizen_name({"Personne": {"NomFamille": "MARTIN"}}) == "MARTIN"


def test_domicile_insee_is_the_domicile_code_or_none() -> None:
    assert RCO.domicile_insee(dossier()) == "59350"
    assert RCO.domicile_insee(dossier(AdresseDomicile={"CodePostal": "59000"})) is None


# --- Missing data and documents -------------------------------------------------------------


def test_complete_dossier_in_the_window_has_nothing_to_report() -> None:
    report = RCO.validate(dossier(), files(*ALL_DOCUMENTS), ctx(date(2026, 2, 1)))
    assert report.complete
    assert report.flags == []
    assert report.refusal_motive is None
    assert report.late is False


@pytest.mark.parametrize(
    ("key", "words"),
    [
        ("NomFamille", "nom de famille"),
        ("PrenomUsuel", "prénom usuel"),
        ("DateNaissance", "date de naissance"),
        ("LieuNaissance", "lieu de naissance"),
        ("AdresseDomicile", "adresse du domicile"),
    ],
)
def test_missing_required_data_makes_the_dossier_incomplete(key: str, words: str) -> None:
    data = dossier()
    del data["Personne"][key]
    report = RCO.validate(data, files(*ALL_DOCUMENTS), ctx())
    assert not report.complete
    assert len(report.missing) == 1
    assert words in report.missing[0]


def test_domicile_without_postcode_is_incomplete() -> None:
    data = dossier(AdresseDomicile={"Localite": "Lille", "CodeINSEE": "59350"})
    report = RCO.validate(data, files(*ALL_DOCUMENTS), ctx())
    assert [m for m in report.missing if "code postal" in m]


def test_birth_insee_code_is_enough_as_birthplace() -> None:
    data = dossier(CodeINSEENaissance="59350")
    del data["Personne"]["LieuNaissance"]
    assert RCO.validate(data, files(*ALL_DOCUMENTS), ctx()).complete


def test_birthplace_given_as_free_text_is_enough() -> None:
    data = dossier(LieuNaissance=[{"Code": "AUTRE", "Nom": "59000"}])
    assert RCO.validate(data, files(*ALL_DOCUMENTS), ctx()).complete


def test_empty_nationality_is_no_reason_to_refuse() -> None:
    data = RCO.normalize(dossier(Nationalite=""), today=TODAY)
    report = RCO.validate(data, files(*ALL_DOCUMENTS), ctx(date(2026, 2, 1)))
    assert report.complete and report.flags == []


@pytest.mark.parametrize(
    ("given", "missing_word"),
    [(["livret_famille"], "identité"), (["justificatif_identite"], "livret de famille")],
)
def test_identity_document_and_family_booklet_are_required(
    given: list[str], missing_word: str
) -> None:
    report = RCO.validate(dossier(), files(*given), ctx())
    assert len(report.missing) == 1
    assert missing_word in report.missing[0]


def test_proof_of_address_is_required_only_where_the_commune_asks() -> None:
    assert RCO.validate(dossier(), files(*ALL_DOCUMENTS), ctx()).complete
    asked = RCO.validate(dossier(), files(*ALL_DOCUMENTS), ctx(rco_requires_proof_of_address=True))
    assert len(asked.missing) == 1 and "domicile" in asked.missing[0]
    given = files(*ALL_DOCUMENTS, "justificatif_domicile")
    assert RCO.validate(dossier(), given, ctx(rco_requires_proof_of_address=True)).complete


def test_validate_never_raises_on_unusable_data() -> None:
    report = RCO.validate({"Personne": {"DateNaissance": "n'importe quoi"}}, [], ctx())
    assert not report.complete
    assert RCO.validate({}, [], ctx()).missing


# --- Age window (born 15/01/2010: 16 on 15/01/2026, window to 30/04/2026, 25 on 15/01/2035) ---


def test_day_before_sixteenth_birthday_is_too_young() -> None:
    report = report_on(date(2026, 1, 14))
    assert codes(report) == ["trop_jeune"]
    assert "15/01/2026" in report.refusal_motive
    assert report.complete  # eligibility is flagged, never "missing"


def test_sixteenth_birthday_is_inside_the_window() -> None:
    report = report_on(date(2026, 1, 15))
    assert report.flags == [] and not report.late and report.refusal_motive is None


def test_last_day_of_third_month_after_birthday_is_inside_the_window() -> None:
    report = report_on(date(2026, 4, 30))
    assert report.flags == [] and not report.late


def test_day_after_the_window_is_a_regularisation() -> None:
    report = report_on(date(2026, 5, 1))
    assert codes(report) == ["regularisation"]
    assert report.late is True
    assert report.refusal_motive is None
    assert report.complete


def test_day_before_twenty_fifth_birthday_is_still_a_regularisation() -> None:
    report = report_on(date(2035, 1, 14))
    assert codes(report) == ["regularisation"] and report.late


def test_twenty_fifth_birthday_is_too_old() -> None:
    report = report_on(date(2035, 1, 15))
    assert codes(report) == ["trop_age"]
    assert report.late is False
    assert "25 ans" in report.refusal_motive


def test_window_ending_in_february_ends_on_its_last_day() -> None:
    assert codes(report_on(date(2026, 2, 28), born="20/11/2009")) == []
    assert codes(report_on(date(2026, 3, 1), born="20/11/2009")) == ["regularisation"]


def test_leap_day_birth_window_runs_from_leap_day_sixteenth_birthday() -> None:
    # 29/02/2008 + 16 years is 29/02/2024 (a leap year); the window ends on 31/05/2024.
    assert codes(report_on(date(2024, 2, 28), born="29/02/2008")) == ["trop_jeune"]
    assert codes(report_on(date(2024, 2, 29), born="29/02/2008")) == []
    assert codes(report_on(date(2024, 5, 31), born="29/02/2008")) == []
    assert codes(report_on(date(2024, 6, 1), born="29/02/2008")) == ["regularisation"]


def test_leap_day_birth_turns_twenty_five_on_first_of_march_in_common_years() -> None:
    assert codes(report_on(date(2033, 2, 28), born="29/02/2008")) == ["regularisation"]
    assert codes(report_on(date(2033, 3, 1), born="29/02/2008")) == ["trop_age"]


def test_leap_day_birth_ages_on_first_of_march_in_common_years() -> None:
    born = date(2008, 2, 29)
    assert anniversary(born, 17) == date(2025, 3, 1)
    assert age_on(born, date(2025, 2, 28)) == 16
    assert age_on(born, date(2025, 3, 1)) == 17
    assert age_on(born, date(2024, 2, 29)) == 16


def test_end_of_third_month_wraps_over_the_year() -> None:
    assert last_day_of_month_after(date(2025, 11, 20), 3) == date(2026, 2, 28)
    assert last_day_of_month_after(date(2027, 11, 30), 3) == date(2028, 2, 29)
    assert last_day_of_month_after(date(2026, 10, 31), 3) == date(2027, 1, 31)


def test_parse_date_reads_only_real_french_dates() -> None:
    assert parse_date("29/02/2024") == date(2024, 2, 29)
    assert parse_date("29/02/2025") is None
    assert parse_date(None) is None


# --- Competent commune ----------------------------------------------------------------------


def test_domicile_outside_the_commune_is_flagged_with_a_refusal_motive() -> None:
    data = dossier(
        AdresseDomicile={"CodePostal": "75012", "Localite": "Paris", "CodeINSEE": "75112"}
    )
    report = RCO.validate(data, files(*ALL_DOCUMENTS), ctx(date(2026, 2, 1)))
    assert codes(report) == ["commune_non_competente"]
    assert "75112" in report.refusal_motive
    assert report.complete


def test_domicile_under_an_alias_code_of_the_commune_is_accepted() -> None:
    data = dossier(
        AdresseDomicile={"CodePostal": "59000", "Localite": "Lille", "CodeINSEE": "59298"}
    )
    assert RCO.validate(data, files(*ALL_DOCUMENTS), ctx(date(2026, 2, 1))).flags == []


def test_domicile_without_insee_code_is_not_flagged() -> None:
    data = dossier(AdresseDomicile={"CodePostal": "59000", "Localite": "Lille"})
    assert RCO.validate(data, files(*ALL_DOCUMENTS), ctx(date(2026, 2, 1))).flags == []


def test_every_refusal_reason_goes_into_the_motive() -> None:
    data = dossier(
        DateNaissance="01/01/2012",
        AdresseDomicile={"CodePostal": "75012", "Localite": "Paris", "CodeINSEE": "75112"},
    )
    report = RCO.validate(data, files(*ALL_DOCUMENTS), ctx())
    assert codes(report) == ["trop_jeune", "commune_non_competente"]
    assert "16 ans" in report.refusal_motive and "75112" in report.refusal_motive
    assert report.as_json()["refusal_motive"] == report.refusal_motive
