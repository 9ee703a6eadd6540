"""What a flow is: the interface every kind of frame on the stack implements.

A flow answers the messages of its frames (``on_message``), its buttons (``on_action``: actions
of its namespace, decoded), and says where it was when the user comes back to it (``on_resume``
after the frame above ended, ``on_aside`` after a command answered in between). ``claims`` lets
the top frame keep a text that also reads as a command (「成果」 typed at a text field is the
answer). A flow never calls the router and never touches another frame: to start another task it
calls that task's ``begin`` function, which puts a frame on ``turn.stack``.
"""


class Flow:
    name = ""
    transient = False       # a pick list or a file target: a message it does not take ends it quietly
    ttl_minutes = None      # a transient frame lapses after this long
    actions = {}            # {verb: (argument kinds…)} of this flow's namespace (bot/actions.py)

    def frame_for(self, stack, action):
        """The frame a button of this flow belongs to: by default the topmost one of the flow."""
        return stack.find(self.name)

    def claims(self, turn, frame, text, command):
        """Take ``text`` although it matches ``command`` (a (Command, args) pair)? Default: no."""
        return False

    def on_message(self, turn, frame):
        """Answer the message; False when this frame does not take it."""
        return False

    def on_action(self, turn, frame, action):
        """A button of this flow's namespace was pressed (``action``: bot.actions.Action)."""
        turn.reply("这个按钮已失效，没有做任何改动。")

    def on_aside(self, turn, frame):
        """A command was answered while this frame waited on top: ask again what it was asking."""

    def on_resume(self, turn, frame, ended):
        """The frame above (``ended``) is done: say where this one was and ask again."""
        self.on_aside(turn, frame)

    def describe(self, frame):
        """One line for 进度 and for refusals: what this frame is waiting for."""
        return ""
