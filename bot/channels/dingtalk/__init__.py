"""DingTalk (钉钉): the robot's HTTP-mode and Stream-mode messages, OpenAPI sends, group chats and custom robots."""
