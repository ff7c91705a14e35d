// Package web embeds the built browser app (client/web/dist) into the server binary.
package web

import "embed"

// Dist holds client/web/dist: index.html and the hashed assets under assets/.
// Before `npm run build` it holds only .keep.
//
//go:embed all:dist
var Dist embed.FS
