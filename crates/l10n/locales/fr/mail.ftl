passcode-subject = Votre code waxseal
passcode-intro = Vous avez demandé à lire un message chiffré envoyé par { $sender }. Saisissez ce code sur la page où vous l’avez demandé :
passcode-code-label = Code
passcode-reference-label = Référence
passcode-reference-hint = La page affiche la même référence. Si ce n’est pas le cas, ne saisissez pas le code.
passcode-expiry =
    { $minutes ->
        [one] Le code ne sert qu’une fois et expire dans { $minutes } minute.
       *[other] Le code ne sert qu’une fois et expire dans { $minutes } minutes.
    }
passcode-ignore = Si vous n’avez pas demandé de code, ignorez cet e-mail : personne ne peut lire le message sans lui.
passcode-operator = Ce service est exploité par { $operator }.
passcode-contact = Questions sur votre vie privée : { $contact }

reply-subject = Réponse sécurisée de { $replier }
reply-body =
    { $replier } a répondu de façon sécurisée à votre message chiffré { $id }.

    Le serveur de clés a vérifié le { $when } que { $replier } possède cette adresse, par { $proof }.
    La réponse est scellée avec la clé de réponse de votre organisation : ouvrez la pièce jointe reply.waxseal
    avec `waxseal open-reply reply.waxseal --reply-key <votre fichier de clé>`, ou laissez la passerelle
    de messagerie waxseal la remettre déchiffrée. Personne d’autre, pas même le serveur de clés, ne peut la lire.
reply-by-passcode = un code à usage unique envoyé à cette adresse
reply-by-sign-in = la connexion avec un compte
reply-by-passkey = une clé d’accès enregistrée pour cette adresse
