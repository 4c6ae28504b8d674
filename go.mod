module github.com/datafn/datafn-go

go 1.26.8
