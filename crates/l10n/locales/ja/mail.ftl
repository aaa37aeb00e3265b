passcode-subject = waxseal のパスコード
passcode-intro = { $sender } から送られた暗号化されたメッセージを読むよう請求がありました。請求したページで次のパスコードを入力してください:
passcode-code-label = パスコード
passcode-reference-label = 参照コード
passcode-reference-hint = ページには同じ参照コードが表示されています。表示されていない場合は、パスコードを入力しないでください。
passcode-expiry = パスコードは 1 回だけ使え、{ $minutes } 分後に期限が切れます。
passcode-ignore = パスコードを請求していない場合は、このメールを無視してください。パスコードがなければ誰もメッセージを読めません。
passcode-operator = このサービスは { $operator } が運営しています。
passcode-contact = プライバシーに関するお問い合わせ: { $contact }

reply-subject = { $replier } からの安全な返信
reply-body =
    { $replier } さんが、暗号化されたメッセージ { $id } に安全に返信しました。

    鍵サーバーは { $when } に、{ $proof }によって { $replier } さんがそのアドレスの持ち主であることを確認しました。
    返信は貴組織の返信用の鍵で封印されています。添付の reply.waxseal は
    `waxseal open-reply reply.waxseal --reply-key <鍵ファイル>` で開くか、waxseal の
    メールゲートウェイに復号して配信させてください。鍵サーバーを含め、ほかの誰も読むことはできません。
reply-by-passcode = そのアドレスに送られたワンタイムパスコード
reply-by-sign-in = アカウントへのサインイン
reply-by-passkey = そのアドレス用に登録されたパスキー
