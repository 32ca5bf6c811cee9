package web

// RecordsMessageIDs lists the messages the records pages choose at run
// time.
var RecordsMessageIDs = recordsMessageIDs
