package web

// MessagesMessageIDs lists the messages the messages pages choose at run
// time.
var MessagesMessageIDs = messagesMessageIDs
