"""Save a matplotlib figure as a small PNG for the repository."""

import io


def save(figure, path, **options):
    """256 colours without dithering: text and flat charts lose nothing visible, and the file shrinks 2-3x."""
    from PIL import Image

    buffer = io.BytesIO()
    figure.savefig(buffer, format='png', **options)
    buffer.seek(0)
    with Image.open(buffer) as image:
        image.convert('RGB').quantize(256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(
            path, optimize=True
        )
    return path
