package axe

import _ "embed"

//go:embed axe.min.js
var Source string
