"""The 申报审批表 (附件1): filling it in chat, its rules, proofs, 七有, documents and the 材料包."""
