"""The union office's year beyond the approval chain: the 考核验收 rubric and ranking, 公示 and
certificate documents, the 成果库, statistics and the upward sheets (read and rendered here; the
services in handlers/services/ change the records)."""
