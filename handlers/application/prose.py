"""Prose rules for the drafted 附件2: whole sentences, and each fact told once.

``opening`` quotes a narrative's first whole sentences; ``without_figures`` takes out of the leader's
text the clauses whose figures the ledgers already state; ``once`` drops a sentence said before.
"""
import re

SENTENCE = re.compile(r".+?(?:[。！？][”’」』）]*|$)", re.DOTALL)
SENTENCE_END = re.compile(r"[。！？][”’」』）]*$")
CLAUSE = re.compile(r".+?(?:[，；。！？][”’」』）]*|$)", re.DOTALL)
FIGURE = re.compile(r"\d+(?:\.\d+)?\s*(?:期|场|次|班|人次|名|人)")
SHORTEST_REPEAT = 8                         # a repeated sentence this long or longer is said once
LABEL = re.compile(r"^[^，。：；]{2,8}：")       # 「社会效益：」 before a paragraph's first sentence


def opening(narrative: str, name: str, limit: int = 200) -> str:
    """The narrative's first whole sentences (about ``limit`` characters), the studio's name as 工作室."""
    text = re.sub(r"\s+", "", narrative or "")
    if name:
        text = text.replace(f"{name}（以下简称工作室）", "工作室").replace(name, "工作室")
    opening = ""
    for sentence in SENTENCE.findall(text):
        if opening and len(opening) + len(sentence) > limit:
            break
        opening += sentence
    if opening and not SENTENCE_END.search(opening):
        opening = opening.rstrip("；，、：") + "。"
    return opening


def without_figures(text: str, figures: dict, where: str, left_out: list) -> str:
    """``text`` (the leader's) less the clauses giving 培训 / 交流 figures the ledger states
    (``figures``: {word: (sessions, person-times)}): the ledger's figure is told, not two; a clause
    whose figures differ from the ledger's is reported in ``left_out``."""
    if not text or not figures:
        return text
    kept = []
    for clause in CLAUSE.findall(text):
        word = next((w for w in figures if w in clause), None)
        if word is None or not FIGURE.search(clause):
            kept.append(clause)
            continue
        end = SENTENCE_END.search(clause)
        if end and kept and kept[-1][-1:] in "，；、：":
            kept[-1] = kept[-1][:-1] + end.group()        # the sentence now ends where the clause did
        sessions, people = figures[word]
        stated = {int(float(n)) for n in re.findall(r"(\d+(?:\.\d+)?)\s*(?:期|场|次|班|人次|名|人)", clause)}
        if not stated <= {sessions, people}:
            label = "技术交流" if word == "交流" else word
            left_out.append(f"{where}中的「{clause.rstrip('，；。！？')}」未写入附件2：活动台账记录近两年{label}"
                            f"{sessions}场、{people}人次，附件2以台账为准。请核对后修改{where}或补记台账。")
    result = "".join(kept).strip()
    if result and result[-1] in "，；、：":
        result = result[:-1] + "。"
    return result


def once(blocks_lists: list, placeholder: str) -> None:
    """Drop, in place, a sentence already said earlier in the paragraphs of ``blocks_lists`` (lists of
    paragraphs, in document order; placeholders, tables and short sentences excepted); a paragraph
    left empty is removed."""
    seen = set()
    for blocks in blocks_lists:
        for i, block in enumerate(blocks):
            if not isinstance(block, str) or block.endswith(placeholder):
                continue
            kept, label = [], ""
            for sentence in SENTENCE.findall(block):
                prefix = LABEL.match(sentence)
                key = re.sub(r"\s+", "", sentence[prefix.end():] if prefix else sentence)
                if len(key) >= SHORTEST_REPEAT and key in seen:
                    label = label or (prefix.group() if prefix else "")    # 「社会效益：」 goes to what is left
                    continue
                seen.add(key)
                kept.append(label + sentence if label and not prefix else sentence)
                label = ""
            blocks[i] = "".join(kept)
        blocks[:] = [b for b in blocks if b]
