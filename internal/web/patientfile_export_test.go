package web

// PatientFileMessageIDs exports patientFileMessageIDs to the tests.
var PatientFileMessageIDs = patientFileMessageIDs
