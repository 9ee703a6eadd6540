"""How the whole app words its HTTP errors: one table of Chinese texts (the JSON shape is the app's)."""

HTTP_ERRORS = {400: "请求格式不正确", 403: "签名校验失败", 404: "页面不存在", 405: "不支持的请求方法",
               413: "请求内容过大", 500: "服务器内部错误"}
