"""LTI 1.3 Advantage, the tool side: quizapp inside Moodle, Canvas and any LTI platform.

pylti1p3 does the protocol (OIDC login, id_token checks, deep linking, AGS, NRPS); these
modules keep its state in the database and map what launches carry to quizapp's accounts,
classes and assignments.
"""
