passcode-subject = Din waxseal-kode
passcode-intro = Du har bedt om å lese en kryptert melding sendt av { $sender }. Skriv inn denne koden på siden der du ba om den:
passcode-code-label = Kode
passcode-reference-label = Referanse
passcode-reference-hint = Siden viser den samme referansen. Hvis den ikke gjør det, må du ikke skrive inn koden.
passcode-expiry =
    { $minutes ->
        [one] Koden virker én gang og utløper om { $minutes } minutt.
       *[other] Koden virker én gang og utløper om { $minutes } minutter.
    }
passcode-ignore = Hvis du ikke har bedt om en kode, kan du se bort fra denne e-posten: ingen kan lese meldingen uten den.
passcode-operator = Tjenesten drives av { $operator }.
passcode-contact = Spørsmål om personvernet ditt: { $contact }

reply-subject = Sikkert svar fra { $replier }
reply-body =
    { $replier } har svart sikkert på den krypterte meldingen deres { $id }.

    Nøkkelserveren sjekket { $when } at { $replier } eier adressen, med { $proof }.
    Svaret er forseglet med organisasjonens svarnøkkel: åpne den vedlagte reply.waxseal
    med `waxseal open-reply reply.waxseal --reply-key <nøkkelfilen deres>`, eller la waxseals
    e-postgateway levere det dekryptert. Ingen andre, heller ikke nøkkelserveren, kan lese det.
reply-by-passcode = en engangskode sendt til adressen
reply-by-sign-in = pålogging med en konto
reply-by-passkey = en tilgangsnøkkel registrert for adressen
