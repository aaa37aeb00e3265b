passcode-subject = Din waxseal-kod
passcode-intro = Du har bett om att få läsa ett krypterat meddelande från { $sender }. Ange den här koden på sidan där du bad om den:
passcode-code-label = Kod
passcode-reference-label = Referens
passcode-reference-hint = Sidan visar samma referens. Om den inte gör det ska du inte ange koden.
passcode-expiry =
    { $minutes ->
        [one] Koden fungerar en gång och går ut om { $minutes } minut.
       *[other] Koden fungerar en gång och går ut om { $minutes } minuter.
    }
passcode-ignore = Om du inte har bett om en kod kan du bortse från det här mejlet: ingen kan läsa meddelandet utan den.
passcode-operator = Tjänsten drivs av { $operator }.
passcode-contact = Frågor om din integritet: { $contact }

reply-subject = Säkert svar från { $replier }
reply-body =
    { $replier } har svarat säkert på ert krypterade meddelande { $id }.

    Nyckelservern kontrollerade { $when } att { $replier } äger adressen, med { $proof }.
    Svaret är förseglat med er organisations svarsnyckel: öppna den bifogade reply.waxseal
    med `waxseal open-reply reply.waxseal --reply-key <er nyckelfil>`, eller låt waxseals
    e-postgateway leverera det dekrypterat. Ingen annan, inte heller nyckelservern, kan läsa det.
reply-by-passcode = en engångskod som skickats till adressen
reply-by-sign-in = inloggning med ett konto
reply-by-passkey = en nyckel som registrerats för adressen
