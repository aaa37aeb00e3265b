passcode-subject = Su código de waxseal
passcode-intro = Pidió leer un mensaje cifrado enviado por { $sender }. Introduzca este código en la página donde lo pidió:
passcode-code-label = Código
passcode-reference-label = Referencia
passcode-reference-hint = La página muestra la misma referencia. Si no es así, no introduzca el código.
passcode-expiry =
    { $minutes ->
        [one] El código sirve una sola vez y caduca en { $minutes } minuto.
       *[other] El código sirve una sola vez y caduca en { $minutes } minutos.
    }
passcode-ignore = Si no pidió ningún código, ignore este correo: nadie puede leer el mensaje sin él.
passcode-operator = Este servicio lo gestiona { $operator }.
passcode-contact = Preguntas sobre su privacidad: { $contact }

reply-subject = Respuesta segura de { $replier }
reply-body =
    { $replier } respondió de forma segura a su mensaje cifrado { $id }.

    El servidor de claves comprobó el { $when } que { $replier } es titular de esa dirección, mediante { $proof }.
    La respuesta está sellada con la clave de respuesta de su organización: abra el adjunto reply.waxseal
    con `waxseal open-reply reply.waxseal --reply-key <su archivo de clave>`, o deje que la pasarela de
    correo de waxseal la entregue descifrada. Nadie más, ni siquiera el servidor de claves, puede leerla.
reply-by-passcode = un código de un solo uso enviado a esa dirección
reply-by-sign-in = el inicio de sesión con una cuenta
reply-by-passkey = una llave de acceso registrada para esa dirección
