# Label of the language switch.
language = Language
# The link to the privacy statement.
privacy-link = Privacy
# The line at the foot of every screen.
footer = Decrypted in this browser. The message itself is never sent to a server.
# While the envelope and the settings are read.
loading = Reading the message…
# Standalone page: heading.
pick-heading = Open an encrypted message
# Standalone page: what to do.
pick-intro = Drop the message.html file from your e-mail here, or choose it on your device. The file is read in this browser; it is not uploaded anywhere.
# Standalone page: the file picker button.
pick-button = Choose a file
# Standalone page: the drop zone's text.
pick-drop = or drop it here
# The envelope summary: heading.
summary-heading = Encrypted message
# Label: the sender.
label-from = From
# Label: the organisation that registered the message at the key server.
label-organisation = Sent by
# Label: the recipients.
label-recipients = To
# Label: the key server.
label-key-server = Key server
# Label: the expiry.
label-expires = Can be opened until
# Shown after an expiry in the past.
expiry-passed = (this date has passed)
# How opening works. $host.
summary-note = Only the recipients can open it. To check that the address is yours, the key server { $host } e-mails you a one-time passcode; then it releases a key to this browser tab only. The message is decrypted here and never sent to the key server.
# Legend of the address choice (several recipients).
choose-legend = Which address is yours?
# Label before the one address (a single recipient).
one-address = The passcode goes to
# The button that asks for a passcode.
send-code = Email me a passcode
# While the passcode is asked for.
sending = Sending…
# Under the button.
send-hint = Nothing is sent until you click.
# After the passcode was sent: heading.
sent-heading = Check your e-mail
# After the passcode was sent: $address, $host.
sent-body = We sent a passcode to { $address }. The e-mail comes from the key server { $host } and shows this reference code:
# Label of the reference code.
reference-label = Reference code
# Under the reference code.
reference-hint = If the reference codes do not match, do not use the passcode.
# Label of the passcode field.
passcode-label = Passcode from the e-mail
# Under the passcode field. $time: how long the code is valid.
passcode-hint = Digits only; spaces and dashes are fine. Valid for { $time }.
# The button that checks the passcode and opens the message.
open-button = Open the message
# While the passcode is checked and the key released.
checking = Checking…
# Ask for another passcode.
resend-button = Send a new passcode
# When another passcode can be asked for. $when: a relative time.
resend-wait = You can ask for a new passcode { $when }.
# Go back to the address choice.
other-address = Use another address
# The passcode field is empty or not digits.
code-incomplete = Type the digits of the passcode from the e-mail.
# A wrong passcode; $n: how many tries are left.
wrong-code =
    { $n ->
        [one] That passcode is not right. { $n } try left.
       *[other] That passcode is not right. { $n } tries left.
    }
# The passcode expired.
code-expired = This passcode has expired. Ask for a new one.
# The passcode was used already.
code-used = This passcode was already used. Ask for a new one.
# No passcode was asked for.
no-code = No passcode was asked for with this address yet. Ask for one first.
# The passcode belongs to another tab.
key-mismatch = This passcode belongs to another browser tab. Ask for a new one here.
# The release token expired or is unknown.
session-expired = Your confirmation has expired. Ask for a new passcode.
# The chosen address is not a recipient. $address.
wrong-recipient = { $address } is not a recipient of this message. Choose the address it was sent to.
# Too many passcode requests. $when.
throttled = Too many passcodes were asked for. You can try again { $when }.
# The mail server failed. $when.
mail-unavailable = The passcode e-mail could not be sent just now. You can try again { $when }.
# Any other refusal.
refused = The key server refused the request. Try again; if it keeps happening, tell the sender.
# Heading of the sign-in buttons (which open a popup).
sign-in-or = Or sign in with your account, in a new window
# A sign-in button. $name: the provider.
sign-in-with = Sign in with { $name }
# The sign-in window was closed.
sign-in-cancelled = Sign-in was cancelled. Sign in again, or ask for a passcode.
# Note: the sign-in goes on in a new window of the viewer's page ($name, $host).
handed-off = Signing in with { $name } continues in a new window of the viewer ({ $host }). Or ask for a passcode here.
# Note: the message's guessing budget is spent; no more passcodes (sign-in still works).
passcodes-exhausted = Too many wrong passcodes were entered for this message, so it no longer accepts passcodes. Sign in with your account if that is offered, or ask the sender to send it again.
# The sign-in window could not open.
sign-in-blocked = The sign-in window could not open. Allow pop-ups for this page, or ask for a passcode.
# The provider did not sign the person in. $name.
sign-in-denied = { $name } did not sign you in. Try again, or ask for a passcode.
# The provider could not be reached. $name.
provider-unreachable = { $name } could not be reached. Try again, or ask for a passcode.
# The sign-in was invalid, too old or used already.
sign-in-again = That sign-in could not be used. Sign in again, or ask for a passcode.
# The account is not a recipient. $account, $recipients.
wrong-account = You signed in as { $account }; this message is for { $recipients }. Sign in with that account, or ask for a passcode.
# The provider does not vouch for the account's address. $name, $account.
email-unverified = { $name } has not confirmed that { $account } is your address. Ask for a passcode instead.
# The account has no address the provider vouches for.
no-verified-address = The account you signed in with has no confirmed e-mail address. Ask for a passcode instead.
# The provider is not accepted for the address. $name, $address.
domain-not-allowed = Signing in with { $name } is not accepted for { $address }. Ask for a passcode instead.
# The key server cannot reach the provider. $name.
provider-unavailable = The key server cannot check sign-ins with { $name } just now. Try again later, or ask for a passcode.
# Decrypting: heading.
decrypt-heading = Decrypting in this browser
# Decrypting: $percent, $done, $total.
decrypt-progress = { $percent } · { $done } of { $total }
# Decrypting: why nothing shows yet.
decrypt-note = The message is shown only after every part of it has been checked.
# Accessible name of the progress bar.
decrypt-label = Decryption progress
# Message header labels.
msg-subject = Subject
# From.
msg-from = From
# To.
msg-to = To
# Cc.
msg-cc = Cc
# Date.
msg-date = Date
# A message without a subject.
no-subject = (no subject)
# Remote content is blocked.
remote-blocked = Remote images are blocked. Loading them can tell the sender when and where you read this message.
# The button that allows remote images.
show-remote = Show remote images
# Attachments heading.
attachments = Attachments
# Download an attachment.
download = Download
# Accessible name of an attachment's download link. $name.
download-named = Download { $name }
# Save the decrypted message.
save-eml = Save the whole message (.eml)
# Print.
print = Print
# Title of the frame holding an HTML body.
body-title = Message content
# A message without a body.
no-body = This message has no text.
# Under an opened message.
opened-note = Decrypted in this browser tab. Close the tab to forget it.
# "Open with your passkey".
passkey-open = Open with your passkey
# While the device or the key server works on a passkey.
passkey-waiting = Waiting for your passkey…
# A passkey exists for $address but works only on the viewer's page at $host.
passkey-elsewhere = You have a passkey for { $address }. It works on the viewer’s own page ({ $host }), not in a file opened from this computer: open the message there to use it.
# The offer to add a passkey for $address.
passkey-offer-heading = Use a passkey next time for { $address }
# What a passkey is and what the key server keeps, in one sentence.
passkey-offer-text = A passkey lets this device open later messages to this address with your fingerprint, face or screen lock instead of a passcode mail; the key server keeps only its public key.
# The button that adds a passkey.
passkey-add = Add a passkey
# A passkey was added.
passkey-added = Passkey added. Next time, choose “Open with your passkey”.
# The message was opened with a passkey.
passkey-used = Opened with your passkey.
# "Forget this device".
passkey-forget = Forget this device
# The key server forgot the passkey; how to remove it from the device ($domain).
passkey-forgotten = The key server no longer accepts this passkey. To remove it from this device too, delete the passkey for { $domain } in your browser’s or system’s password and passkey settings.
# Why passkeys are not offered in this browser.
passkey-unsupported = Passkeys are not offered here: this browser cannot use them, or has no built-in way to check it is you (fingerprint, face or screen lock).
# The device's prompt was closed: no passkey was added.
passkey-not-added = No passkey was added. You can try again, or keep using passcodes.
# The device has a passkey for this address already.
passkey-exists = This device already has a passkey for this address.
# Adding or forgetting a passkey needs a fresh proof of the address.
passkey-proof-expired = This needs a fresh proof of your address: open the message again, then try again.
# The key server refused or did not answer.
passkey-failed = The key server did not accept this. Try again later; passcodes still work.
# Note: the passkey prompt was closed.
passkey-cancelled = The passkey was not used. Try again, or get a passcode by e-mail.
# Note: the passkey did not prove the address.
passkey-refused = The passkey did not prove your address. Try again, or get a passcode by e-mail.
# Note: the passkey's counter went back.
passkey-cloned = This passkey was refused: its counter went back, as happens with a copied passkey. Use a passcode, then forget this passkey and add a new one.
# Note: the key server has no passkey for the address.
passkey-gone = The key server has no passkey for this address any more. Get a passcode by e-mail.
# An attachment without a name.
unnamed-attachment = attachment
# Failure: not a waxseal message.
not-waxseal-title = This is not a waxseal message
# Failure: not a waxseal message.
not-waxseal-body = The file does not contain an encrypted waxseal message. Open the message.html attached to the e-mail you received.
# Failure: altered or damaged.
damaged-title = This message was altered or damaged
# Failure: altered or damaged.
damaged-body = It cannot be opened safely, so nothing of it is shown. Ask the sender to send it again.
# Failure: newer format.
newer-title = This message needs a newer viewer
# Failure: newer format. $version.
newer-body = It was made by a newer version of waxseal (format { $version }) than this viewer can read. Try again later, or ask the sender.
# Failure: too large.
too-large-title = This message is too large
# Failure: too large.
too-large-body = It is larger than a browser can open (1 GiB). Ask the sender to send it in smaller parts.
# Failure: expired.
expired-title = This message has expired
# Failure: expired. $date.
expired-body = The sender allowed it to be opened until { $date }. Ask the sender to send it again.
# Failure: revoked.
revoked-title = The sender withdrew this message
# Failure: revoked.
revoked-body = It can no longer be opened. Contact the sender if you still need it.
# Failure: open limit.
open-limit-title = This message was opened as often as allowed
# Failure: open limit.
open-limit-body = The sender limited how many times it can be opened. Ask the sender to send it again.
# Failure: too many wrong passcodes.
too-many-tries-title = Too many wrong passcodes
# Failure: too many wrong passcodes. $address.
too-many-tries-body = That passcode can no longer be used. Ask for a new passcode; it is sent to { $address }.
# Failure: key server unreachable.
unreachable-title = The key server cannot be reached
# Failure: key server unreachable. $host.
unreachable-body = { $host } did not answer. Check your internet connection and try again.
# Failure: untrusted key server.
untrusted-title = This message names a key server this viewer does not trust
# Failure: untrusted key server. $host.
untrusted-body = It would send your address and passcode to { $host }, which is not one of the key servers this viewer works with. The file may be forged, so nothing was sent. If you expected this message, ask the sender how to open it.
# Failure: the viewer's settings did not load.
config-title = The viewer could not load its settings
# Failure: the viewer's settings did not load.
config-body = Check your internet connection and try again.
# Failure: the key server failed.
server-error-title = The key server had a problem
# Failure: the key server failed.
server-error-body = Try again in a moment. If it keeps happening, tell the sender.
# Failure: unknown message.
unknown-message-title = The key server does not know this message
# Failure: unknown message.
unknown-message-body = It may have been removed, or sealed for another key server. Ask the sender to send it again.
# Failure: the header names another sender than the one registered ($address, $organisation, $registered).
sender-mismatch-title = This message's sender cannot be confirmed
# Failure: the header names another sender than the one registered.
sender-mismatch-body = The message says it is from { $address }, but the key server has it registered by { $organisation } as sent from { $registered }. Do not trust it and do not ask for a passcode; report it to { $organisation } or to your IT team.
# Retry button.
try-again = Try again
# Back to the file picker (standalone).
open-another = Open another file
# Reply button under an opened message that takes secure replies.
reply-button = Reply securely
# Reply form: heading.
reply-heading = Your encrypted reply
# Reply form: who can read the reply ($organisation).
reply-private-note = Your reply is encrypted in this browser before it is sent. Only { $organisation } can read it; the key server and the mail servers on the way cannot.
# Reply form: the text field's label.
reply-text-label = Your reply
# The line above the quoted original ($date, $sender).
reply-quote-intro = On { $date }, { $sender } wrote:
# The line above the quoted original, without a date ($sender).
reply-quote-intro-undated = { $sender } wrote:
# Reply form: the attachments' heading.
reply-attachments = Attachments
# Reply form: the file picker button.
reply-attach = Attach files
# Reply form: the drop zone's text.
reply-drop = or drop them here
# Reply form: remove an attachment ($name), for screen readers.
reply-remove = Remove { $name }
# Reply form: the remove button's visible text.
reply-remove-button = Remove
# Reply form: the size meter's label.
reply-size-label = Size of the reply
# Reply form: the size meter's value ($used, $limit).
reply-size = { $used } of { $limit }
# Reply form: the send button.
reply-send = Send encrypted reply
# Reply form: while sealing ($percent).
reply-sealing = Encrypting your reply… { $percent }
# Reply form: while handing the reply to the key server.
reply-sending = Sending your encrypted reply…
# Reply form: give up the draft.
reply-discard = Discard
# Asked before an unsent draft is given up.
reply-discard-confirm = Discard your reply? What you wrote is not saved anywhere.
# After sending: heading.
reply-sent-heading = Reply sent
# After sending: where it went ($address).
reply-sent-body = Your encrypted reply was sent to { $address }.
# After sending: save what was sent.
reply-save-copy = Save a copy (.eml)
# After sending: back to the message.
reply-back = Back to the message
# Proving the address again before a reply is sent.
reply-reprove = To send your reply, confirm your address again: the earlier confirmation expired while you wrote. Your reply is kept.
# Proving the address again: the passcode form's button.
reply-verify-send = Confirm and send reply
# Proving the address again: back to the reply.
reply-back-to-draft = Back to my reply
# Reply problem: nothing to send.
reply-empty = Write something or attach a file first.
# Reply problem: too large ($size, $limit).
reply-too-large = Your reply is { $size }, more than the { $limit } the key server accepts. Remove an attachment, or send large files another way.
# Reply problem: the reply limit was reached.
reply-limit-reached = You have sent as many replies to this message as the key server allows.
# Reply problem: the message takes no secure reply.
reply-not-accepted = The sender did not set up secure replies for this message. Answer by your usual means.
# Reply problem: expired, revoked or unknown.
reply-closed = This message has expired or was withdrawn, so it takes no reply any more. Copy your text if you want to keep it.
# Reply problem: too many replies from this network ($when).
reply-throttled = Too many replies were sent from this network. You can try again { $when }.
# Reply problem: the key server's mail server did not take it.
reply-mail-unavailable = The key server could not hand your reply to its mail server. Nothing was sent; try again in a few minutes.
# Reply problem: the organisation's mail server refused it for good.
reply-mail-refused = The sender's mail server refused your reply, most often because it is too large for it. Nothing was sent: remove an attachment and try again, or answer another way.
# Reply problem: the key server did not answer.
reply-unreachable = The key server could not be reached. Your reply is kept; try again.
# Reply problem: the part of the viewer that seals replies could not be loaded.
reply-sealer-unavailable = The part of the viewer that seals replies could not be loaded, so nothing was sent. Your reply is kept; check your connection and try again.
# Reply problem: anything else.
reply-failed = Your reply could not be sent. It is kept; try again, and if it keeps happening, tell the sender.
# Reply problem: a file could not be read.
reply-unreadable = A file could not be read, so it was not attached.
# Privacy statement: heading.
privacy-heading = Privacy
# Privacy statement: $date.
privacy-updated = Last updated { $date }
# Leave the privacy statement.
back = Back
# Privacy statement: its sections.
privacy-1-heading = Your message stays in your browser
privacy-1-text = The encrypted message is inside the file you opened. The viewer decrypts it in this browser tab. The message, encrypted or not, is never sent to the key server or anywhere else, and the key server never stores it.
privacy-2-heading = What is sent, and only when you click
privacy-2-text = When you ask for a passcode, the viewer sends the key server shown on the screen the message's id, the address you chose, a temporary public key made for this tab, and your language, so that the passcode e-mail is written in it. To check the passcode, it sends the passcode you typed. If you sign in with an account instead, the account's provider (which learns that you signed in here, not what the message says) confirms your address, and the viewer passes that confirmation to the key server with the message's id and the tab's public key. Signing in always happens on the viewer's own page: a message opened from a file hands the encrypted message to a new window of the viewer, and the provider's answer is given to no other page. Before you click, the viewer only asks the key server which organisation registered the message (by its id, so it can show you who really sent it; nothing is recorded) and which accounts it accepts, which says nothing about you.
privacy-3-heading = Passcodes
privacy-3-text = A passcode is used only to check that the address is yours. The key server does not store it: it keeps only a keyed hash, until the passcode is used or expires a few minutes later.
privacy-4-heading = Keys
privacy-4-text = The keys that decrypt the message exist only in this tab's memory. They are never written to cookies or browser storage, and they are gone when you close the tab.
privacy-5-heading = Passkeys
privacy-5-text = If you choose to add a passkey after opening a message, your device makes a key pair for the viewer’s domain: the private key never leaves the device, which guards it with your fingerprint, face or screen lock. The key server stores the passkey’s public key and id, your address, a signature counter, and when it was added and last used — nothing else — so that it can check the passkey when you open a later message to that address. It asks for the passkey only after you click. “Forget this device” removes it from the key server, and a passkey unused for 180 days (or the time the operator set) is removed automatically. Getting a passcode by e-mail is always possible.
privacy-6-heading = Replies
privacy-6-text = If you reply from the viewer, your reply and its attachments are written and sealed in this tab, to a key that only the sender's organisation holds; the message itself names that key, so the key server cannot swap in its own. The key server passes the sealed reply on by e-mail to the reply address the sender registered, saying which address replied and how it was confirmed. It cannot read the reply and keeps nothing of it: for the sender's records it notes only that you replied, and counts your replies to this message. Your draft exists only in this tab's memory and is gone when you leave it.
privacy-7-heading = What the sender can see
privacy-7-text = For the sender's records, the key server notes when a passcode was sent to your address, when a wrong passcode was typed and when the message was opened. It never records passcodes, keys or the content of the message.
privacy-8-heading = Network addresses
privacy-8-text = To stop abuse, the key server counts passcode requests per network (IP) address over one hour. That count is not linked to your e-mail address or to the message.
privacy-9-heading = No tracking
privacy-9-text = The viewer uses no cookies, no third-party analytics and no third-party services, and loads nothing from other sites. Remote images in a message stay blocked until you choose to show them. The usage figures are analysed only in aggregate and are never used to identify, contact or target anyone.
privacy-10-heading = Usage figures
privacy-10-text = If the key server of a message asks for them, the viewer sends it one small report when the message opens, or when it shows a failure screen: the browser's family and major version (such as Firefox 153), the language shown, whether the message was opened from its attachment or picked on the viewer's page, its size in one of five ranges, how you proved your address and, in ranges, how long the steps took (from the summary to asking for a proof, from the proof to the message shown) and how fast it decrypted; on a failure screen, which one. It holds no message id, address, reference code or time of day, and is sent without cookies, once. The key server only adds it to counts per day and keeps nothing else of it: not your network address, not the time. Counts below a threshold are never shown to the operator.
# Privacy statement: who runs the viewer, $operator.
privacy-operator = This viewer is run by { $operator }.
# Privacy statement: how to reach them, before the contact.
privacy-contact = Questions about your privacy:
# Privacy statement: before the example usage report.
privacy-example = A whole report, as sent:
# Privacy statement: the heading of the list of changes.
privacy-changes-heading = Changes
# Privacy statement: what changed, newest first, on the dates of [`PRIVACY_CHANGES`].
privacy-change-1 = Usage figures: what the viewer reports and what the key server keeps of it. The name of the organisation that runs this viewer, and its privacy contact. Passkeys.
privacy-change-2 = Secure replies.
privacy-change-3 = First version.

# The sign-in window's page (signed-in.html) when the message tab that opened it is gone.
signed-in-orphan = This sign-in window is no longer connected to the message. Go back to the message and sign in there again, or ask for a passcode.
