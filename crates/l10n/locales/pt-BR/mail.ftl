passcode-subject = Seu código do waxseal
passcode-intro = Você pediu para ler uma mensagem criptografada enviada por { $sender }. Digite este código na página em que você o pediu:
passcode-code-label = Código
passcode-reference-label = Referência
passcode-reference-hint = A página mostra a mesma referência. Se não mostrar, não digite o código.
passcode-expiry =
    { $minutes ->
        [one] O código funciona uma vez e expira em { $minutes } minuto.
       *[other] O código funciona uma vez e expira em { $minutes } minutos.
    }
passcode-ignore = Se você não pediu um código, ignore este e-mail: ninguém consegue ler a mensagem sem ele.
passcode-operator = Este serviço é operado por { $operator }.
passcode-contact = Dúvidas sobre sua privacidade: { $contact }

reply-subject = Resposta segura de { $replier }
reply-body =
    { $replier } respondeu com segurança à sua mensagem criptografada { $id }.

    O servidor de chaves verificou em { $when } que { $replier } é dono desse endereço, por { $proof }.
    A resposta está lacrada com a chave de resposta da sua organização: abra o anexo reply.waxseal
    com `waxseal open-reply reply.waxseal --reply-key <seu arquivo de chave>`, ou deixe o gateway de
    e-mail do waxseal entregá-la descriptografada. Ninguém mais, nem mesmo o servidor de chaves, consegue lê-la.
reply-by-passcode = um código de uso único enviado a esse endereço
reply-by-sign-in = login com uma conta
reply-by-passkey = uma chave de acesso registrada para esse endereço
