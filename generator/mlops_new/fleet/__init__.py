"""Many generated projects at once: a fleet's members, their status, updates, kits, report.

`members` reads who is in the fleet; `status` asks each, in parallel, where it stands;
`update` puts each behind one on an update branch; `roster` makes one kit per student;
`report` draws a fleet's status as one self-contained HTML page.
"""
