module kelos-temporal/jsonpath-oracle

go 1.21

require github.com/PaesslerAG/jsonpath v0.1.1

require github.com/PaesslerAG/gval v1.0.0 // indirect
