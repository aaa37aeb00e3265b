passcode-subject = Twój kod waxseal
passcode-intro = Poproszono o odczytanie zaszyfrowanej wiadomości od { $sender }. Wpisz ten kod na stronie, na której o niego poproszono:
passcode-code-label = Kod
passcode-reference-label = Kod referencyjny
passcode-reference-hint = Strona pokazuje ten sam kod referencyjny. Jeśli tak nie jest, nie wpisuj kodu.
passcode-expiry =
    { $minutes ->
        [one] Kod działa jeden raz i wygasa za { $minutes } minutę.
        [few] Kod działa jeden raz i wygasa za { $minutes } minuty.
        [many] Kod działa jeden raz i wygasa za { $minutes } minut.
       *[other] Kod działa jeden raz i wygasa za { $minutes } min.
    }
passcode-ignore = Jeśli nie prosisz o kod, zignoruj tego e-maila: bez niego nikt nie przeczyta wiadomości.
passcode-operator = Tę usługę obsługuje { $operator }.
passcode-contact = Pytania o prywatność: { $contact }

reply-subject = Bezpieczna odpowiedź od { $replier }
reply-body =
    { $replier } bezpiecznie odpowiedział(a) na Waszą zaszyfrowaną wiadomość { $id }.

    Serwer kluczy sprawdził { $when }, że { $replier } jest właścicielem tego adresu, za pomocą: { $proof }.
    Odpowiedź jest zapieczętowana kluczem odpowiedzi Waszej organizacji: otwórzcie załączony plik reply.waxseal
    poleceniem `waxseal open-reply reply.waxseal --reply-key <Wasz plik klucza>` albo pozwólcie bramce
    pocztowej waxseal dostarczyć ją odszyfrowaną. Nikt inny, nawet serwer kluczy, nie może jej przeczytać.
reply-by-passcode = jednorazowy kod wysłany na ten adres
reply-by-sign-in = logowanie na konto
reply-by-passkey = klucz dostępu zarejestrowany dla tego adresu
