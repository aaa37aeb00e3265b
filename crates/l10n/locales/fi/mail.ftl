passcode-subject = waxseal-koodisi
passcode-intro = Pyysit saada lukea salatun viestin, jonka lähetti { $sender }. Kirjoita tämä koodi sivulle, jolla pyysit sitä:
passcode-code-label = Koodi
passcode-reference-label = Viite
passcode-reference-hint = Sivulla näkyy sama viite. Jos ei näy, älä kirjoita koodia.
passcode-expiry =
    { $minutes ->
        [one] Koodi toimii kerran ja vanhenee { $minutes } minuutin kuluttua.
       *[other] Koodi toimii kerran ja vanhenee { $minutes } minuutin kuluttua.
    }
passcode-ignore = Jos et pyytänyt koodia, voit jättää tämän sähköpostin huomiotta: kukaan ei voi lukea viestiä ilman sitä.
passcode-operator = Tätä palvelua ylläpitää { $operator }.
passcode-contact = Kysymykset tietosuojastasi: { $contact }

reply-subject = Turvallinen vastaus lähettäjältä { $replier }
reply-body =
    { $replier } vastasi turvallisesti salattuun viestiinne { $id }.

    Avainpalvelin tarkisti { $when }, että osoite kuuluu lähettäjälle { $replier }, keinona { $proof }.
    Vastaus on sinetöity organisaationne vastausavaimella: avaa liitteenä oleva reply.waxseal
    komennolla `waxseal open-reply reply.waxseal --reply-key <avaintiedostonne>`, tai anna waxsealin
    sähköpostiyhdyskäytävän toimittaa se purettuna. Kukaan muu, ei edes avainpalvelin, voi lukea sitä.
reply-by-passcode = osoitteeseen lähetetty kertakäyttöinen koodi
reply-by-sign-in = kirjautuminen tilillä
reply-by-passkey = osoitteelle rekisteröity pääsyavain
