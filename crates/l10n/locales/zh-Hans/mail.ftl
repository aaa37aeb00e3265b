passcode-subject = 您的 waxseal 验证码
passcode-intro = 您请求阅读由 { $sender } 发送的加密邮件。请在您请求验证码的页面上输入以下验证码：
passcode-code-label = 验证码
passcode-reference-label = 参考码
passcode-reference-hint = 页面上会显示相同的参考码。如果不同，请不要输入验证码。
passcode-expiry = 验证码只能使用一次，{ $minutes } 分钟后失效。
passcode-ignore = 如果您没有请求验证码，请忽略此邮件：没有验证码，任何人都无法阅读该邮件。
passcode-operator = 此服务由 { $operator } 运营。
passcode-contact = 隐私问题请联系：{ $contact }

reply-subject = 来自 { $replier } 的安全回复
reply-body =
    { $replier } 已安全回复您的加密邮件 { $id }。

    密钥服务器已于 { $when } 通过{ $proof }确认 { $replier } 拥有该地址。
    回复已用贵机构的回复密钥加密：请用
    `waxseal open-reply reply.waxseal --reply-key <您的密钥文件>` 打开附件 reply.waxseal，
    或由 waxseal 邮件网关解密后投递。除贵机构外，包括密钥服务器在内，任何人都无法读取。
reply-by-passcode = 发送到该地址的一次性验证码
reply-by-sign-in = 账号登录
reply-by-passkey = 为该地址注册的通行密钥
