from sagaline.cli import app

app()
