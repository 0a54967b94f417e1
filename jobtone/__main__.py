from jobtone.cli import console

console()
