"""WeCom (企业微信): the self-built app's callbacks and sends, and group robots (protocol: shared/protocols/wecom.md)."""
