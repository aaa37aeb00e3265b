passcode-subject = Je waxseal-code
passcode-intro = Je hebt gevraagd een versleuteld bericht van { $sender } te lezen. Voer deze code in op de pagina waar je hem hebt aangevraagd:
passcode-code-label = Code
passcode-reference-label = Referentie
passcode-reference-hint = De pagina toont dezelfde referentie. Als dat niet zo is, voer de code dan niet in.
passcode-expiry =
    { $minutes ->
        [one] De code werkt één keer en verloopt over { $minutes } minuut.
       *[other] De code werkt één keer en verloopt over { $minutes } minuten.
    }
passcode-ignore = Als je geen code hebt aangevraagd, negeer deze e-mail dan: zonder de code kan niemand het bericht lezen.
passcode-operator = Deze dienst wordt beheerd door { $operator }.
passcode-contact = Vragen over je privacy: { $contact }

reply-subject = Veilig antwoord van { $replier }
reply-body =
    { $replier } heeft veilig geantwoord op jullie versleutelde bericht { $id }.

    De sleutelserver heeft op { $when } gecontroleerd dat { $replier } eigenaar is van dat adres, met { $proof }.
    Het antwoord is verzegeld met de antwoordsleutel van jullie organisatie: open de bijgevoegde reply.waxseal
    met `waxseal open-reply reply.waxseal --reply-key <jullie sleutelbestand>`, of laat de waxseal-
    mailgateway het ontsleuteld afleveren. Niemand anders, ook de sleutelserver niet, kan het lezen.
reply-by-passcode = een eenmalige code die naar dat adres is gestuurd
reply-by-sign-in = inloggen met een account
reply-by-passkey = een passkey die voor dat adres is geregistreerd
