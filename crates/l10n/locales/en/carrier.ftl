# The text of message.html that shows before the viewer starts, or instead of it where pages in
# attachments do not run. Then the notification mail the mail gateway wraps around it.

# The page's title, before the sender's name.
carrier-title = Encrypted message from { $sender }
carrier-heading = This message is encrypted
carrier-from = From
carrier-to = To
carrier-expires = Can be opened until
carrier-key-server = Key server
carrier-explain = Only the recipients can read it. It is decrypted in your browser; the message itself is never sent to any server.
carrier-step-1 = Open this file in a web browser (Chrome, Edge, Firefox or Safari) and wait for the message viewer to appear.
carrier-step-2 = Choose your e-mail address and ask for a one-time passcode. It is e-mailed to you with a reference code that the page also shows.
carrier-step-3 = Enter the passcode to read the message.
# Followed by the viewer's address, as a link.
carrier-no-script = If nothing happens (some e-mail apps and phones do not run pages in attachments), save this file and open it at
carrier-safety = The viewer never asks for your e-mail password. The passcode mail comes from the key server named above.
carrier-operator = The viewer is run by { $operator }.
# Followed by the operator's privacy contact.
carrier-contact = Questions about your privacy:

# The mail gateway's notification around a sealed message.
notification-sent = { $sender } of { $organisation } sent you an encrypted message.
notification-open = To read it, open the attached file message.html in a web browser. You will be asked to prove that this e-mail address is yours, with a one-time passcode sent to it or by signing in with your account. The message is decrypted in your browser.
# Followed by a date.
notification-until = It can be opened until
notification-safety = { $organisation } encrypts messages with waxseal. The page never asks for your e-mail password.
