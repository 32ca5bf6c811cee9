package patient

import "clinic/internal/kernel"

// SearchText normalises names for search, the same way for what is stored
// and what is searched (kernel.FoldText): "  João  D'Ávila-Silva " →
// "joao d avila silva".
func SearchText(s string) string { return kernel.FoldText(s) }
