package media

import "image"

// shrinkForPreview halves a decoded JPEG (YCbCr) by averaging 2×2 blocks of each plane while
// it stays at least twice the preview size. A 2×2 box is a correct anti-aliasing filter for
// an exact halving and costs one read per source byte, so the expensive resampling filter
// then runs on a quarter (or less) of the pixels: a 12 MP photo reaches it as 3 MP. Other
// image types pass through.
func shrinkForPreview(img image.Image, px int) image.Image {
	for {
		y, ok := img.(*image.YCbCr)
		if !ok || y.Rect.Dx() < 2*px || y.Rect.Dy() < 2*px {
			return img
		}
		img = halve(y)
	}
}

func halve(src *image.YCbCr) *image.YCbCr {
	r := src.Rect
	dst := image.NewYCbCr(image.Rect(0, 0, r.Dx()/2, r.Dy()/2), src.SubsampleRatio)
	halvePlane(dst.Y, dst.YStride, dst.Rect.Dx(), dst.Rect.Dy(), src.Y, src.YStride, r.Dx(), r.Dy())
	// The chroma planes' sizes follow the subsample ratio of each image.
	cw, ch := chromaSize(dst)
	scw, sch := chromaSize(src)
	halvePlane(dst.Cb, dst.CStride, cw, ch, src.Cb, src.CStride, scw, sch)
	halvePlane(dst.Cr, dst.CStride, cw, ch, src.Cr, src.CStride, scw, sch)
	return dst
}

// chromaSize is the width and height of img's Cb and Cr planes.
func chromaSize(img *image.YCbCr) (int, int) {
	return img.CStride, len(img.Cb) / max(img.CStride, 1)
}

// halvePlane averages 2×2 blocks of src (sw×sh) into dst (dw×dh), clamping at the edges.
func halvePlane(dst []uint8, dstStride, dw, dh int, src []uint8, srcStride, sw, sh int) {
	for y := 0; y < dh; y++ {
		y0, y1 := min(2*y, sh-1), min(2*y+1, sh-1)
		r0, r1 := src[y0*srcStride:], src[y1*srcStride:]
		out := dst[y*dstStride:]
		for x := 0; x < dw; x++ {
			x0, x1 := min(2*x, sw-1), min(2*x+1, sw-1)
			out[x] = uint8((int(r0[x0]) + int(r0[x1]) + int(r1[x0]) + int(r1[x1]) + 2) / 4)
		}
	}
}
