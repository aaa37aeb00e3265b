# The mails the key server sends: the passcode mail, and the mail that carries a secure reply to
# the sender's organisation.

passcode-subject = Your waxseal passcode
passcode-intro = You asked to read an encrypted message sent by { $sender }. Enter this passcode on the page where you asked for it:
passcode-code-label = Passcode
passcode-reference-label = Reference
passcode-reference-hint = The page shows the same reference. If it does not, do not enter the passcode.
passcode-expiry =
    { $minutes ->
        [one] The passcode works once and expires in { $minutes } minute.
       *[other] The passcode works once and expires in { $minutes } minutes.
    }
passcode-ignore = If you did not ask for a passcode, ignore this e-mail: nobody can read the message without it.
passcode-operator = This service is run by { $operator }.
passcode-contact = Questions about your privacy: { $contact }

# $replier: an address; $id: the message's id; $proof: one of the reply-by- texts; $when: a date.
reply-subject = Secure reply from { $replier }
reply-body =
    { $replier } answered your encrypted message { $id } securely.

    The key server checked that { $replier } owns that address, by { $proof }, on { $when }.
    The reply is sealed to your organisation's reply key: open the attached reply.waxseal
    with `waxseal open-reply reply.waxseal --reply-key <your key file>`, or let the waxseal
    mail gateway deliver it decrypted. Nobody else, the key server included, can read it.
reply-by-passcode = a one-time passcode sent to that address
reply-by-sign-in = signing in with an account
reply-by-passkey = a passkey registered for that address
