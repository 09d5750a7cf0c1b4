"""FHIR R4 in and out: a course as a Bundle (fhir.resources' R4B models), a Bundle imported into a
new course (docs/integration.md).
"""
