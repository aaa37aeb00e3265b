passcode-subject = Din waxseal-adgangskode
passcode-intro = Du har bedt om at læse en krypteret besked fra { $sender }. Indtast denne engangskode på den side, hvor du bad om den:
passcode-code-label = Engangskode
passcode-reference-label = Reference
passcode-reference-hint = Siden viser den samme reference. Gør den ikke det, så indtast ikke koden.
passcode-expiry =
    { $minutes ->
        [one] Koden kan bruges én gang og udløber om { $minutes } minut.
       *[other] Koden kan bruges én gang og udløber om { $minutes } minutter.
    }
passcode-ignore = Har du ikke bedt om en kode, kan du se bort fra denne e-mail: ingen kan læse beskeden uden den.
passcode-operator = Tjenesten drives af { $operator }.
passcode-contact = Spørgsmål om dit privatliv: { $contact }

reply-subject = Sikkert svar fra { $replier }
reply-body =
    { $replier } har besvaret jeres krypterede besked { $id } sikkert.

    Nøgleserveren kontrollerede { $when }, at { $replier } ejer adressen, med { $proof }.
    Svaret er forseglet til jeres organisations svarnøgle: åbn den vedhæftede reply.waxseal
    med `waxseal open-reply reply.waxseal --reply-key <jeres nøglefil>`, eller lad waxseals
    mail-gateway levere den dekrypteret. Ingen andre, heller ikke nøgleserveren, kan læse den.
reply-by-passcode = en engangskode sendt til adressen
reply-by-sign-in = login med en konto
reply-by-passkey = en adgangsnøgle oprettet til adressen
