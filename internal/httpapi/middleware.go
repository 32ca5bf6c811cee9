package httpapi

import "clinic/internal/apperr"

var errNoRoute = apperr.New(apperr.NotFound, "No such API route.")
