"""Write the held-out replies: clients, languages and layouts that the reply corpus does not
have, against which the reader is measured but never adjusted.

``.venv/bin/python tests/unit/reply_holdout/build.py`` writes the .eml files and expected.json.
Each entry names what the person wrote; everything else in the message is quoted or added by
the client, and none of it may reach the citizen.
"""

from __future__ import annotations

import hashlib
import html
import json
import shutil
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path

HERE = Path(__file__).parent
SENDER = "Service Etat Civil"
ADDRESS = "reponse+hxq2d7ktmzw4a5cb@mairie.example"
ORIGINAL = ["Accepter", "", "Madame, Monsieur,", "",
            "Votre dossier HOLD-2025-031 est arrivé au service de l'état civil.",
            "Nous reviendrons vers vous sous huit jours ouvrés.", "",
            "Service Etat Civil, Hôtel de ville"]
WHO = f"{SENDER} <{ADDRESS}>"

#: (client, language, lines above the original, how the original is quoted, footer).
TEXT_LAYOUTS: list[tuple[str, str, list[str], str, str]] = [
    ("em_client", "en", ["------ Original Message ------", f'From: "{SENDER}" <{ADDRESS}>',
                         "To: agent@commune.fr", "Sent: 03/03/2025 10:12:00",
                         "Subject: Dossier HOLD-2025-031"], "", ""),
    ("em_client", "fr", ["------ Message d'origine ------", f'De : "{SENDER}" <{ADDRESS}>',
                         "À : agent@commune.fr", "Date : 03/03/2025 10:12:00",
                         "Objet : Dossier HOLD-2025-031"], "", ""),
    ("lotus_notes", "fr", [f"De :        {WHO}", "A :        agent@commune.fr",
                           "Date :        03/03/2025 10:12", "Objet :        Dossier HOLD"],
     "", ""),
    ("lotus_notes", "fr-attr", [f"{WHO} a écrit sur 03/03/2025 10:12:00 :"], "> ", ""),
    ("sogo", "fr", [f'Le lundi, mars 03, 2025 10:12 CET, "{SENDER}" <{ADDRESS}> a écrit:', " "],
     "> ", ""),
    ("ox_app_suite", "fr", [f"> Le 03/03/2025 10:12 CET {WHO} a écrit :", ">", ">"], "> ", ""),
    ("groupwise", "en", [f'>>> "{SENDER}" <{ADDRESS}> 3/3/2025 10:12 AM >>>'], "", ""),
    ("evolution", "fr", [f"Le lundi 03 mars 2025 à 10:12 +0100, {SENDER} a écrit :"], "> ", ""),
    ("kmail", "fr", [f"Le lundi 3 mars 2025, 10:12:00 CET {SENDER} a écrit :"], "> ", ""),
    ("claws", "en", ["On Mon, 3 Mar 2025 10:12:00 +0100", f"{WHO} wrote:", ""], "> ", ""),
    ("mutt", "fr", [f"Le lundi 03 mars 2025 à 10:12:00 +0100, {SENDER} a écrit :"], "> ", ""),
    ("spark", "fr", [f"Le 3 mars 2025 à 10:12 +0100, {SENDER} <{ADDRESS}>, a écrit :"], "> ",
     "Envoyé avec Spark"),
    ("airmail", "en", [f"On 3 March 2025 at 10:12:00, {SENDER} ({ADDRESS}) wrote:"], "> ", ""),
    ("bluemail", "en", [f"On Mar 3, 2025, at 10:12, {WHO} wrote:"], ">", "Sent from BlueMail"),
    ("k9_mail", "fr", [f"Le 3 mars 2025 10:12:00 GMT+01:00, {WHO} a écrit :"], "> ",
     "-- \nEnvoyé de mon appareil Android avec K-9 Mail. Veuillez excuser ma brièveté."),
    ("fairemail", "de", [f"Am 3. März 2025 10:12:00 MEZ schrieb {WHO}:"], "> ", ""),
    ("tutanota", "en", [f"Mar 3, 2025, 10:12 by {ADDRESS}:", ""], "> ", ""),
    ("mailfence", "en", ["----- Original message -----", f"From: {WHO}",
                         "To: agent@commune.fr", "Date: 03/03/2025 10:12",
                         "Subject: Dossier HOLD-2025-031"], "", ""),
    ("gmx", "de", ["Gesendet: Montag, 03. März 2025 um 10:12 Uhr", f'Von: "{SENDER}" <{ADDRESS}>',
                   "An: agent@commune.de", "Betreff: Dossier HOLD-2025-031"], "", ""),
    ("gmx", "fr", ["Envoyé: lundi 03 mars 2025 à 10:12", f'De: "{SENDER}" <{ADDRESS}>',
                   "À: agent@commune.fr", "Objet: Dossier HOLD-2025-031"], "", ""),
    ("yandex", "ru", [f'03.03.2025, 10:12, "{SENDER}" <{ADDRESS}>:'], "> ", ""),
    ("mail_ru", "ru", [f"Понедельник, 3 марта 2025, 10:12 +01:00 от {WHO}:"], ">", ""),
    ("seznam", "cs", ["---------- Původní e-mail ----------", f"Od: {WHO}",
                      "Komu: agent@obec.cz", "Datum: 3. 3. 2025 10:12:00",
                      "Předmět: Dossier HOLD-2025-031"], "", ""),
    ("libero", "it", ["----Messaggio originale----", f"Da: {ADDRESS}",
                      "Data: 3-mar-2025 10.12", "A: agent@comune.it",
                      "Oggetto: Dossier HOLD-2025-031"], "", ""),
    ("wp_pl", "pl", [f"Dnia 3 marca 2025 10:12 {WHO} napisał(a):"], "> ", ""),
    ("aol", "en", ["-----Original Message-----", f"From: {WHO}", "To: agent@aol.com",
                   "Sent: Mon, Mar 3, 2025 10:12 am", "Subject: Dossier HOLD-2025-031"], "",
     ""),
    ("fastmail", "en", [f"On Mon, Mar 3, 2025, at 10:12, {SENDER} wrote:"], "> ", ""),
    ("outlook_tr", "tr", [f"Kimden: {WHO}", "Gönderildi: 3 Mart 2025 Pazartesi 10:12",
                          "Kime: agent@belediye.tr", "Konu: Dossier HOLD-2025-031"], "", ""),
    ("outlook_da", "da", [f"Fra: {WHO}", "Sendt: 3. marts 2025 10:12", "Til: agent@kommune.dk",
                          "Emne: Dossier HOLD-2025-031"], "", ""),
    ("outlook_cs", "cs", [f"Od: {WHO}", "Odesláno: pondělí 3. března 2025 10:12",
                          "Komu: agent@obec.cz", "Předmět: Dossier HOLD-2025-031"], "", ""),
    ("gmail_hu", "hu", [f"{WHO} ezt írta (időpont: 2025. márc. 3., H, 10:12):"], "> ", ""),
    ("gmail_el", "el", [f"Στις Δευ 3 Μαρ 2025 στις 10:12, ο/η {WHO} έγραψε:"], "> ", ""),
    ("gmail_cs", "cs", [f"po 3. 3. 2025 v 10:12 odesílatel {WHO} napsal:"], "> ", ""),
    ("gmail_ro", "ro", [f"Pe lun., 3 mar. 2025 la 10:12, {WHO} a scris:"], "> ", ""),
    ("gmail_ca", "ca", [f"El dl., 3 de març 2025 a les 10:12, {SENDER} (<{ADDRESS}>) va escriure:"],
     "> ", ""),
    ("gmail_ja", "ja", [f"2025年3月3日(月) 10:12 {WHO}:"], "> ", ""),
    ("gmail_zh", "zh", [f"在 2025年3月3日 10:12，{WHO} 写道："], "> ", ""),
    ("gmail_ko", "ko", [f"2025년 3월 3일 (월) 오전 10:12, {WHO}님이 작성:"], "> ", ""),
    ("gmail_hr", "hr", [f"pon, 3. ožu 2025. u 10:12 {WHO} napisao je:"], "> ", ""),
    ("gmail_sk", "sk", [f"po 3. 3. 2025 o 10:12 {WHO} napísal(a):"], "> ", ""),
    ("gmail_uk", "uk", [f"пн, 3 бер. 2025 р. о 10:12 {WHO} пише:"], "> ", ""),
    ("gmail_lt", "lt", [f"2025-03-03, pr, 10:12 {WHO} rašė:"], "> ", ""),
    ("gmail_id", "id", [f"Pada tanggal Sen, 3 Mar 2025 pukul 10.12 {WHO} menulis:"], "> ", ""),
    ("gmail_vi", "vi", [f"Vào Th 2, 3 thg 3, 2025 vào lúc 10:12 {WHO} đã viết:"], "> ", ""),
    ("gmail_he", "he", [f"‫בתאריך יום ב׳, 3 במרץ 2025 ב-10:12 מאת ‪{WHO}‬:"], "> ", ""),
    ("gmail_ar", "ar", [f"‫في الاثنين، 3 مارس 2025 في 10:12 ص، كتب ‪{WHO}‬:"], "> ", ""),
]
#: Written after the reader was adjusted to the first ones, and measured once, as they came.
LATER_TEXT_LAYOUTS: list[tuple[str, str, list[str], str, str]] = [
    ("alpine", "en", [f"On Mon, 3 Mar 2025, {SENDER} wrote:", ""], "> ", ""),
    ("gnus", "en", [f"{WHO} writes:", ""], "> ", ""),
    ("mu4e", "fr", [f"{WHO} écrit :", ""], "> ", ""),
    ("the_bat", "fr", ["Bonjour Paul,", "", "Le 03/03/2025 à 10:12, vous avez écrit :"], "> ",
     ""),
    ("sylpheed", "ja", ["On Mon, 3 Mar 2025 10:12:00 +0100", f"{WHO} wrote:"], "> ", ""),
    ("pegasus", "en", [f"On 3 Mar 2025 at 10:12, {SENDER} wrote:"], "> ", ""),
    ("windows_live_mail", "fr", ["-----Message d'origine----- ", f"From: {WHO}",
                                 "Sent: Monday, March 03, 2025 10:12 AM", "To: agent@x.fr",
                                 "Subject: Dossier HOLD-2025-031"], "", ""),
    ("opera_mail", "en", [f"On Mon, 03 Mar 2025 10:12:00 +0100, {WHO} wrote:", ""], "> ", ""),
    ("mailspring", "en", [f"On Mar 3 2025, at 10:12 am, {WHO} wrote:"], "> ", ""),
    ("hey", "en", [f"On March 3, 2025, {SENDER} <{ADDRESS}> wrote:"], "> ", ""),
    ("rainloop", "fr", [f"3 mars 2025 10:12 \"{SENDER}\" <{ADDRESS}> a écrit:"], "> ", ""),
    ("kerio", "fr", ["-----Message d'origine-----", f"De : {WHO}", "Envoyé : 03/03/2025 10:12",
                     "À : agent@x.fr", "Objet : Dossier"], "", ""),
    ("icewarp", "fr", ["---- Message d'origine ----", f"De: {WHO}", "À: agent@x.fr",
                       "Envoyé: 03/03/2025 10:12", "Sujet: Dossier"], "", ""),
    ("outlook_2003_de", "de", ["-----Ursprüngliche Nachricht-----", f"Von: {WHO}",
                               "Gesendet: Montag, 3. März 2025 10:12", "An: agent@x.de",
                               "Betreff: Dossier"], "", ""),
    ("outlook_hu", "hu", [f"Feladó: {WHO}", "Elküldve: 2025. március 3. 10:12",
                          "Címzett: agent@x.hu", "Tárgy: Dossier"], "", ""),
    ("outlook_el", "el", [f"Από: {WHO}", "Στάλθηκε: Δευτέρα, 3 Μαρτίου 2025 10:12 πμ",
                          "Προς: agent@x.gr", "Θέμα: Dossier"], "", ""),
    ("outlook_ro", "ro", [f"De la: {WHO}", "Trimis: luni, 3 martie 2025 10:12",
                          "Către: agent@x.ro", "Subiect: Dossier"], "", ""),
    ("iphone_nl", "nl", [f"Op 3 mrt. 2025 om 10:12 heeft {WHO} het volgende geschreven:", ""],
     "> ", "Verstuurd vanaf mijn iPhone"),
    ("android_gmail_pt", "pt", [f"Em seg., 3 de mar. de 2025 10:12, {WHO} escreveu:"], "> ",
     "Enviado do meu Android"),
    ("samsung_de", "de", ["-------- Ursprüngliche Nachricht --------", f"Von: {WHO}",
                          "Datum: 03.03.25 10:12 (GMT+01:00)", "An: agent@x.de",
                          "Betreff: Dossier"], "",
     "Von meinem Samsung Galaxy Smartphone gesendet."),
]
#: (client, HTML of the quote with {original} in it).
HTML_LAYOUTS: list[tuple[str, str]] = [
    ("fastmail_html", '<div id="qt"><div>On Mon, Mar 3, 2025, at 10:12, {who} wrote:</div>'
                      '<blockquote type="cite" id="qt">{original}</blockquote></div>'),
    ("tutanota_html", '<div>3 mars 2025, 10:12 par {address}:</div><blockquote '
                      'class="tutanota_quote">{original}</blockquote>'),
    ("sogo_html", '<p>Le lundi, mars 03, 2025 10:12 CET, {who} a écrit:</p><blockquote '
                  'type="cite">{original}</blockquote>'),
    ("ox_html", '<div class="default-style"><blockquote type="cite"><div>Le 03/03/2025 10:12 '
                'CET {who} a écrit :</div><div>&nbsp;</div>{original}</blockquote></div>'),
    ("zoho_html", '<div class="zmail_extra_hr" style="border-top: 1px solid"></div>'
                  '<div class="zmail_extra"><div><br></div><div id="Zm-_Id_-Sgn1">---- Le lun., '
                  '03 mars 2025 10:12:00 +0100 <b>{who}</b> a écrit ---</div><br><blockquote '
                  'style="border-left: 1px solid">{original}</blockquote></div>'),
    ("gmx_html", '<div name="quote" style="margin:10px 5px 5px 10px"><div style="margin:0 0 '
                 '10px 0"><b>Gesendet:</b>&nbsp;Montag, 03. März 2025 um 10:12 Uhr<br><b>Von:'
                 '</b>&nbsp;{who}<br><b>An:</b>&nbsp;agent@commune.de<br><b>Betreff:</b>&nbsp;'
                 'Dossier</div><div name="quoted-content">{original}</div></div>'),
    ("mailru_html", '<div>Понедельник, 3 марта 2025, 10:12 +01:00 от {who}:<br><blockquote '
                    'style="border-left:1px solid #0857A6">{original}</blockquote></div>'),
    ("bluemind_html", '<div class="bm-composer-quote">-------- Message original --------<br>'
                      'De : {who}<br>Date : 03/03/2025 10:12<br>À : agent@commune.fr<br>Objet :'
                      ' Dossier</div><div>{original}</div>'),
    ("yandex_html", '<div>03.03.2025, 10:12, "{sender}" &lt;{address}&gt;:</div><blockquote>'
                    '{original}</blockquote>'),
    ("groupwise_html", '<p>&gt;&gt;&gt; {who} 3/3/2025 10:12 AM &gt;&gt;&gt;</p>'
                       '<div>{original}</div>'),
]
WRITTEN = [
    ["Reçu, je traite le dossier demain.", "", "Bien cordialement,", "Paul Martin"],
    ["Refuser : la pièce d'identité est périmée.", "Merci de la renouveler."],
    ["Pouvez-vous nous envoyer un justificatif de domicile récent ?", "", "Paul Martin"],
    [],
]


def _message(client: str, written: list[str], plain: str | None, page: str | None) -> bytes:
    mail = EmailMessage()
    mail["From"] = "Paul Martin <paul.martin@commune.example>"
    mail["To"] = ADDRESS
    mail["Subject"] = "Re: Dossier HOLD-2025-031"
    digest = hashlib.sha256(repr((client, written, plain, page)).encode()).hexdigest()[:16]
    mail["Message-ID"] = f"<holdout.{digest}@commune.example>"
    if plain is not None:
        mail.set_content(plain, charset="utf-8", cte="quoted-printable")
    else:
        mail.set_content(page or "", subtype="html", charset="utf-8", cte="quoted-printable")
    return mail.as_bytes(policy=SMTP)


def build() -> dict[str, dict[str, object]]:
    for path in HERE.glob("*.eml"):
        path.unlink()
    shutil.rmtree(HERE / "__pycache__", ignore_errors=True)
    expected: dict[str, dict[str, object]] = {}
    for number, (client, lang, above, prefix, footer) in enumerate(TEXT_LAYOUTS):
        for variant in (number % len(WRITTEN), (number + 1) % len(WRITTEN)):
            written = WRITTEN[variant]
            body = [*written, ""]
            if footer:
                body += [footer, ""]
            body += above + [(prefix + line).rstrip() if prefix else line for line in ORIGINAL]
            name = f"{client}_{lang}_{variant}.eml"
            (HERE / name).write_bytes(_message(client, written, "\n".join(body), None))
            expected[name] = {"client": client, "language": lang, "written": written}
    for client, lang, above, prefix, footer in LATER_TEXT_LAYOUTS:
        for variant in range(len(WRITTEN)):
            written = WRITTEN[variant]
            body = [*written, ""] + ([footer, ""] if footer else []) + above
            body += [(prefix + line).rstrip() if prefix else line for line in ORIGINAL]
            name = f"later_{client}_{variant}.eml"
            (HERE / name).write_bytes(_message(client, written, "\n".join(body), None))
            expected[name] = {"client": client, "language": lang, "written": written,
                              "batch": "later"}
    for number, (client, quote) in enumerate(HTML_LAYOUTS):
        for variant in (number % len(WRITTEN), (number + 2) % len(WRITTEN)):
            written = WRITTEN[variant]
            original = "".join(f"<div>{html.escape(line) or '<br>'}</div>" for line in ORIGINAL)
            page = ("<html><body>" + "".join(f"<div>{html.escape(line) or '<br>'}</div>"
                                             for line in written)
                    + quote.format(who=html.escape(WHO), address=ADDRESS, sender=SENDER,
                                   original=original) + "</body></html>")
            name = f"{client}_{variant}.eml"
            (HERE / name).write_bytes(_message(client, written, None, page))
            expected[name] = {"client": client, "language": "html", "written": written}
    (HERE / "expected.json").write_text(
        json.dumps(dict(sorted(expected.items())), ensure_ascii=False, indent=1) + "\n",
        encoding="utf-8")
    return expected


if __name__ == "__main__":
    print(f"{len(build())} messages written")
