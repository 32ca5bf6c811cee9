package web

// PatientsMessageIDs lists the messages the patients pages choose at run
// time.
var PatientsMessageIDs = patientsMessageIDs
