passcode-subject = Il tuo codice waxseal
passcode-intro = Hai chiesto di leggere un messaggio cifrato inviato da { $sender }. Inserisci questo codice nella pagina in cui l’hai chiesto:
passcode-code-label = Codice
passcode-reference-label = Riferimento
passcode-reference-hint = La pagina mostra lo stesso riferimento. Se non è così, non inserire il codice.
passcode-expiry =
    { $minutes ->
        [one] Il codice funziona una sola volta e scade tra { $minutes } minuto.
       *[other] Il codice funziona una sola volta e scade tra { $minutes } minuti.
    }
passcode-ignore = Se non hai chiesto un codice, ignora questa e-mail: senza il codice nessuno può leggere il messaggio.
passcode-operator = Questo servizio è gestito da { $operator }.
passcode-contact = Domande sulla tua privacy: { $contact }

reply-subject = Risposta sicura da { $replier }
reply-body =
    { $replier } ha risposto in modo sicuro al vostro messaggio cifrato { $id }.

    Il server delle chiavi ha verificato il { $when } che { $replier } è titolare di quell’indirizzo, tramite { $proof }.
    La risposta è sigillata con la chiave di risposta della vostra organizzazione: aprite l’allegato reply.waxseal
    con `waxseal open-reply reply.waxseal --reply-key <il vostro file di chiave>`, oppure lasciate che il gateway
    di posta waxseal la consegni decifrata. Nessun altro, nemmeno il server delle chiavi, può leggerla.
reply-by-passcode = un codice monouso inviato a quell’indirizzo
reply-by-sign-in = l’accesso con un account
reply-by-passkey = una passkey registrata per quell’indirizzo
