passcode-subject = Ihr waxseal-Code
passcode-intro = Sie haben angefordert, eine verschlüsselte Nachricht von { $sender } zu lesen. Geben Sie diesen Code auf der Seite ein, auf der Sie ihn angefordert haben:
passcode-code-label = Code
passcode-reference-label = Referenz
passcode-reference-hint = Die Seite zeigt dieselbe Referenz. Wenn nicht, geben Sie den Code nicht ein.
passcode-expiry =
    { $minutes ->
        [one] Der Code funktioniert einmal und läuft in { $minutes } Minute ab.
       *[other] Der Code funktioniert einmal und läuft in { $minutes } Minuten ab.
    }
passcode-ignore = Wenn Sie keinen Code angefordert haben, ignorieren Sie diese E-Mail: Ohne ihn kann niemand die Nachricht lesen.
passcode-operator = Dieser Dienst wird von { $operator } betrieben.
passcode-contact = Fragen zu Ihrem Datenschutz: { $contact }

reply-subject = Sichere Antwort von { $replier }
reply-body =
    { $replier } hat Ihre verschlüsselte Nachricht { $id } sicher beantwortet.

    Der Schlüsselserver hat am { $when } geprüft, dass { $replier } diese Adresse besitzt, durch { $proof }.
    Die Antwort ist mit dem Antwortschlüssel Ihrer Organisation versiegelt: Öffnen Sie die angehängte reply.waxseal
    mit `waxseal open-reply reply.waxseal --reply-key <Ihre Schlüsseldatei>`, oder lassen Sie das waxseal-
    Mail-Gateway sie entschlüsselt zustellen. Niemand sonst, auch nicht der Schlüsselserver, kann sie lesen.
reply-by-passcode = einen an diese Adresse gesendeten Einmalcode
reply-by-sign-in = Anmeldung mit einem Konto
reply-by-passkey = einen für diese Adresse registrierten Passkey
