passcode-subject = waxseal 인증 코드
passcode-intro = { $sender }이(가) 보낸 암호화된 메시지를 읽도록 요청하셨습니다. 요청한 페이지에 다음 인증 코드를 입력하세요:
passcode-code-label = 인증 코드
passcode-reference-label = 참조 코드
passcode-reference-hint = 페이지에 같은 참조 코드가 표시됩니다. 그렇지 않으면 인증 코드를 입력하지 마세요.
passcode-expiry = 인증 코드는 한 번만 사용할 수 있으며 { $minutes }분 후에 만료됩니다.
passcode-ignore = 인증 코드를 요청하지 않았다면 이 이메일을 무시하세요. 인증 코드 없이는 아무도 메시지를 읽을 수 없습니다.
passcode-operator = 이 서비스는 { $operator }에서 운영합니다.
passcode-contact = 개인정보 보호 문의: { $contact }

reply-subject = { $replier }의 안전한 답장
reply-body =
    { $replier } 님이 암호화된 메시지 { $id }에 안전하게 답장했습니다.

    키 서버는 { $when }에 { $proof }(으)로 { $replier } 님이 그 주소의 소유자임을 확인했습니다.
    답장은 귀 조직의 답장 키로 봉인되어 있습니다. 첨부된 reply.waxseal은
    `waxseal open-reply reply.waxseal --reply-key <키 파일>`로 열거나, waxseal 메일 게이트웨이가
    복호화하여 전달하도록 하세요. 키 서버를 포함해 다른 누구도 읽을 수 없습니다.
reply-by-passcode = 그 주소로 보낸 일회용 인증 코드
reply-by-sign-in = 계정 로그인
reply-by-passkey = 그 주소에 등록된 패스키
