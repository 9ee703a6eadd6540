/* The DingTalk in-client sign-in: ask the client for a code (JSAPI requestAuthCode, vendored in
   dingtalk.jsapi.min.js) and post it with the state and the CSRF token. No data from users here. */
(function () {
  "use strict";
  var box = document.getElementById("dd-signin");
  var form = document.getElementById("dd-form");
  if (!box || !form) { return; }
  var status = box.querySelector(".status");
  function fail(text) { status.textContent = text; }
  var request = window.ddRequestAuthCode;
  var env = window.dd && window.dd.env;
  if (typeof request !== "function" || (env && env.platform === "notInDingTalk")) {
    fail("请在钉钉客户端中打开本页面，或在浏览器中扫码登录。");
    return;
  }
  request({ corpId: box.dataset.corpId, clientId: box.dataset.clientId }).then(function (result) {
    var code = result && (result.code || result.authCode);
    if (!code) { fail("钉钉未能提供登录授权码，请稍后重试。"); return; }
    form.elements.code.value = code;
    form.submit();
  }, function () {
    fail("钉钉未能提供登录授权码，请确认本应用已对您开放后重试。");
  });
})();
