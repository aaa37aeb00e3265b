passcode-subject = 您的 waxseal 驗證碼
passcode-intro = 您請求閱讀由 { $sender } 傳送的加密郵件。請在您請求驗證碼的頁面上輸入以下驗證碼：
passcode-code-label = 驗證碼
passcode-reference-label = 參考碼
passcode-reference-hint = 頁面上會顯示相同的參考碼。如果不同，請不要輸入驗證碼。
passcode-expiry = 驗證碼只能使用一次，{ $minutes } 分鐘後失效。
passcode-ignore = 如果您沒有請求驗證碼，請忽略此郵件：沒有驗證碼，任何人都無法閱讀該郵件。
passcode-operator = 此服務由 { $operator } 營運。
passcode-contact = 隱私問題請聯絡：{ $contact }

reply-subject = 來自 { $replier } 的安全回覆
reply-body =
    { $replier } 已安全回覆您的加密郵件 { $id }。

    金鑰伺服器已於 { $when } 透過{ $proof }確認 { $replier } 擁有該地址。
    回覆已用貴機構的回覆金鑰加密：請用
    `waxseal open-reply reply.waxseal --reply-key <您的金鑰檔案>` 開啟附件 reply.waxseal，
    或由 waxseal 郵件閘道解密後投遞。除貴機構外，包括金鑰伺服器在內，任何人都無法讀取。
reply-by-passcode = 傳送到該地址的一次性驗證碼
reply-by-sign-in = 帳號登入
reply-by-passkey = 為該地址註冊的通行密鑰
