package web

// DocumentsMessageIDs exports documentsMessageIDs for the catalogue test.
var DocumentsMessageIDs = documentsMessageIDs
