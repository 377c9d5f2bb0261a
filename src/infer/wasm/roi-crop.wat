;; BlazePose's landmark crop (see ../roi-crop.ts), sampled with wasm SIMD. The rule is the
;; JavaScript sampler's: output pixel (x, y) reads the image at (sx, sy) = (a0 x + a1 y + a2,
;; b0 x + b1 y + b2) (computed in f64, as in JavaScript), bilinear over the four neighbours
;; (floor(sx), floor(sy)) .. (+1, +1), a neighbour outside the image reads 0, and the result is
;; scaled by 1/255. Interpolation runs in f32 on one f32x4 per pixel (R, G, B, spill).
;;
;; Pixels go four at a time: their coordinates, floors and fractions are computed as vectors, and
;; when all four have their neighbours inside the image (nearly every pixel of a tracked crop)
;; each is read with plain loads; otherwise the four go through the bounds-checked path.
;;
;; Memory layout is the caller's: `src` holds the RGB frame (3 bytes per pixel, row-major) followed
;; by at least 1 spare byte; `out` receives size × size × 3 floats followed by 1 spare float, since
;; each pixel stores 4 lanes and the next pixel overwrites the spill lane.
;;
;; Built into roi-crop-wasm.ts (base64) by `npm run build:wasm`; a test checks the two agree.
(module
  (memory (export "memory") 1)

  ;; The pixel at (x, y) as f32x4 (R, G, B, next byte), or zeros when it lies outside the image.
  (func $pixel (param $src i32) (param $w i32) (param $h i32) (param $x i32) (param $y i32) (result v128)
    (if (result v128)
      (i32.and (i32.lt_u (local.get $x) (local.get $w)) (i32.lt_u (local.get $y) (local.get $h)))
      (then
        (f32x4.convert_i32x4_s
          (i32x4.extend_low_i16x8_u
            (i16x8.extend_low_i8x16_u
              (v128.load32_zero
                (i32.add
                  (local.get $src)
                  (i32.mul
                    (i32.add (i32.mul (local.get $y) (local.get $w)) (local.get $x))
                    (i32.const 3))))))))
      (else (v128.const i32x4 0 0 0 0))))

  ;; top + fy (bottom - top), top = c00 + fx (c01 - c00), bottom = c10 + fx (c11 - c10); scaled.
  (func $lerp (param $c00 v128) (param $c01 v128) (param $c10 v128) (param $c11 v128)
              (param $fx v128) (param $fy v128) (result v128)
    (local $top v128)
    (local.set $top
      (f32x4.add (local.get $c00) (f32x4.mul (local.get $fx) (f32x4.sub (local.get $c01) (local.get $c00)))))
    (f32x4.mul
      (f32x4.add (local.get $top)
        (f32x4.mul (local.get $fy)
          (f32x4.sub
            (f32x4.add (local.get $c10) (f32x4.mul (local.get $fx) (f32x4.sub (local.get $c11) (local.get $c10))))
            (local.get $top))))
      (v128.const f32x4 0.003921568859368563 0.003921568859368563 0.003921568859368563 0.003921568859368563)))

  ;; One pixel at image coordinates (sx, sy), every neighbour bounds-checked; stores at `out`.
  (func $edgePixel (param $src i32) (param $w i32) (param $h i32) (param $sx f64) (param $sy f64) (param $out i32)
    (local $fx0 f64) (local $fy0 f64) (local $x0 i32) (local $y0 i32)
    (local.set $fx0 (f64.floor (local.get $sx)))
    (local.set $fy0 (f64.floor (local.get $sy)))
    (local.set $x0 (i32.trunc_sat_f64_s (local.get $fx0)))
    (local.set $y0 (i32.trunc_sat_f64_s (local.get $fy0)))
    ;; No neighbour inside (x0 < -1 or x0 >= w, or the same for y0): zero.
    (if (i32.or
          (i32.ge_u (i32.add (local.get $x0) (i32.const 1)) (i32.add (local.get $w) (i32.const 1)))
          (i32.ge_u (i32.add (local.get $y0) (i32.const 1)) (i32.add (local.get $h) (i32.const 1))))
      (then
        (v128.store (local.get $out) (v128.const i32x4 0 0 0 0))
        (return)))
    (v128.store (local.get $out)
      (call $lerp
        (call $pixel (local.get $src) (local.get $w) (local.get $h) (local.get $x0) (local.get $y0))
        (call $pixel (local.get $src) (local.get $w) (local.get $h) (i32.add (local.get $x0) (i32.const 1)) (local.get $y0))
        (call $pixel (local.get $src) (local.get $w) (local.get $h) (local.get $x0) (i32.add (local.get $y0) (i32.const 1)))
        (call $pixel (local.get $src) (local.get $w) (local.get $h)
          (i32.add (local.get $x0) (i32.const 1)) (i32.add (local.get $y0) (i32.const 1)))
        (f32x4.splat (f32.demote_f64 (f64.sub (local.get $sx) (local.get $fx0))))
        (f32x4.splat (f32.demote_f64 (f64.sub (local.get $sy) (local.get $fy0)))))))

  (func (export "crop")
    (param $src i32) (param $w i32) (param $h i32)
    (param $a0 f64) (param $a1 f64) (param $a2 f64)
    (param $b0 f64) (param $b1 f64) (param $b2 f64)
    (param $size i32) (param $out i32) (param $scratch i32)
    (local $x i32) (local $q i32) (local $pp i32) (local $y i32) (local $stride i32) (local $k i32)
    (local $rowX f64) (local $rowY f64) (local $xf f64)
    (local $xA v128) (local $xB v128) (local $sxA v128) (local $sxB v128) (local $syA v128) (local $syB v128)
    (local $flxA v128) (local $flxB v128) (local $flyA v128) (local $flyB v128)
    (local $x0 v128) (local $y0 v128) (local $fx v128) (local $fy v128)
    (local $c00 v128) (local $c01 v128) (local $c10 v128) (local $c11 v128)
    (local.set $stride (i32.mul (local.get $w) (i32.const 3)))
    (local.set $y (i32.const 0))
    (block $rowsDone
      (loop $rows
        (br_if $rowsDone (i32.ge_s (local.get $y) (local.get $size)))
        (local.set $rowX (f64.add (f64.mul (local.get $a1) (f64.convert_i32_s (local.get $y))) (local.get $a2)))
        (local.set $rowY (f64.add (f64.mul (local.get $b1) (f64.convert_i32_s (local.get $y))) (local.get $b2)))
        (local.set $x (i32.const 0))
        ;; Four pixels at a time.
        (block $quadsDone
          (loop $quads
            (br_if $quadsDone (i32.gt_s (i32.add (local.get $x) (i32.const 4)) (local.get $size)))
            (local.set $xf (f64.convert_i32_s (local.get $x)))
            (local.set $xA (f64x2.add (f64x2.splat (local.get $xf)) (v128.const f64x2 0 1)))
            (local.set $xB (f64x2.add (f64x2.splat (local.get $xf)) (v128.const f64x2 2 3)))
            (local.set $sxA (f64x2.add (f64x2.mul (f64x2.splat (local.get $a0)) (local.get $xA)) (f64x2.splat (local.get $rowX))))
            (local.set $sxB (f64x2.add (f64x2.mul (f64x2.splat (local.get $a0)) (local.get $xB)) (f64x2.splat (local.get $rowX))))
            (local.set $syA (f64x2.add (f64x2.mul (f64x2.splat (local.get $b0)) (local.get $xA)) (f64x2.splat (local.get $rowY))))
            (local.set $syB (f64x2.add (f64x2.mul (f64x2.splat (local.get $b0)) (local.get $xB)) (f64x2.splat (local.get $rowY))))
            (local.set $flxA (f64x2.floor (local.get $sxA)))
            (local.set $flxB (f64x2.floor (local.get $sxB)))
            (local.set $flyA (f64x2.floor (local.get $syA)))
            (local.set $flyB (f64x2.floor (local.get $syB)))
            ;; (lanes 0, 1 of A) ++ (lanes 0, 1 of B)
            (local.set $x0 (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
              (i32x4.trunc_sat_f64x2_s_zero (local.get $flxA)) (i32x4.trunc_sat_f64x2_s_zero (local.get $flxB))))
            (local.set $y0 (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
              (i32x4.trunc_sat_f64x2_s_zero (local.get $flyA)) (i32x4.trunc_sat_f64x2_s_zero (local.get $flyB))))
            (if
              (i32x4.all_true
                (v128.and
                  (i32x4.lt_u (local.get $x0) (i32x4.splat (i32.sub (local.get $w) (i32.const 1))))
                  (i32x4.lt_u (local.get $y0) (i32x4.splat (i32.sub (local.get $h) (i32.const 1))))))
              (then
                (local.set $fx (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
                  (f32x4.demote_f64x2_zero (f64x2.sub (local.get $sxA) (local.get $flxA)))
                  (f32x4.demote_f64x2_zero (f64x2.sub (local.get $sxB) (local.get $flxB)))))
                (local.set $fy (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
                  (f32x4.demote_f64x2_zero (f64x2.sub (local.get $syA) (local.get $flyA)))
                  (f32x4.demote_f64x2_zero (f64x2.sub (local.get $syB) (local.get $flyB)))))
                ;; Spill the four top-left addresses and fractions to the scratch block, then
                ;; read each pixel's back (a loop rather than four copies or calls: V8 in Node 20
                ;; inlines no wasm calls).
                (v128.store (local.get $scratch)
                  (i32x4.add
                    (i32x4.splat (local.get $src))
                    (i32x4.add
                      (i32x4.mul (local.get $y0) (i32x4.splat (local.get $stride)))
                      (i32x4.mul (local.get $x0) (i32x4.splat (i32.const 3))))))
                (v128.store offset=16 (local.get $scratch) (local.get $fx))
                (v128.store offset=32 (local.get $scratch) (local.get $fy))
                (local.set $k (i32.const 0))
                (loop $four
                  (local.set $q (i32.add (local.get $scratch) (i32.shl (local.get $k) (i32.const 2))))
                  (local.set $pp (i32.load (local.get $q)))
                  (local.set $fx (v128.load32_splat offset=16 (local.get $q)))
                  (local.set $c00 (f32x4.convert_i32x4_s (i32x4.extend_low_i16x8_u (i16x8.extend_low_i8x16_u
                    (v128.load32_zero (local.get $pp))))))
                  (local.set $c01 (f32x4.convert_i32x4_s (i32x4.extend_low_i16x8_u (i16x8.extend_low_i8x16_u
                    (v128.load32_zero offset=3 (local.get $pp))))))
                  (local.set $pp (i32.add (local.get $pp) (local.get $stride)))
                  (local.set $c10 (f32x4.convert_i32x4_s (i32x4.extend_low_i16x8_u (i16x8.extend_low_i8x16_u
                    (v128.load32_zero (local.get $pp))))))
                  (local.set $c11 (f32x4.convert_i32x4_s (i32x4.extend_low_i16x8_u (i16x8.extend_low_i8x16_u
                    (v128.load32_zero offset=3 (local.get $pp))))))
                  ;; $lerp, written out.
                  (local.set $c00
                    (f32x4.add (local.get $c00) (f32x4.mul (local.get $fx) (f32x4.sub (local.get $c01) (local.get $c00)))))
                  (local.set $c10
                    (f32x4.add (local.get $c10) (f32x4.mul (local.get $fx) (f32x4.sub (local.get $c11) (local.get $c10)))))
                  (v128.store (i32.add (local.get $out) (i32.mul (local.get $k) (i32.const 12)))
                    (f32x4.mul
                      (f32x4.add (local.get $c00)
                        (f32x4.mul (v128.load32_splat offset=32 (local.get $q)) (f32x4.sub (local.get $c10) (local.get $c00))))
                      (v128.const f32x4 0.003921568859368563 0.003921568859368563 0.003921568859368563 0.003921568859368563)))
                  (local.set $k (i32.add (local.get $k) (i32.const 1)))
                  (br_if $four (i32.lt_u (local.get $k) (i32.const 4)))))
              (else (if
                ;; All four past the image (no neighbour inside either): zeros.
                (i32x4.all_true
                  (v128.or
                    (i32x4.ge_u (i32x4.add (local.get $x0) (i32x4.splat (i32.const 1)))
                                (i32x4.splat (i32.add (local.get $w) (i32.const 1))))
                    (i32x4.ge_u (i32x4.add (local.get $y0) (i32x4.splat (i32.const 1)))
                                (i32x4.splat (i32.add (local.get $h) (i32.const 1))))))
                (then
                  (v128.store (local.get $out) (v128.const i32x4 0 0 0 0))
                  (v128.store offset=16 (local.get $out) (v128.const i32x4 0 0 0 0))
                  (v128.store offset=32 (local.get $out) (v128.const i32x4 0 0 0 0)))
                (else
                (call $edgePixel (local.get $src) (local.get $w) (local.get $h)
                  (f64x2.extract_lane 0 (local.get $sxA)) (f64x2.extract_lane 0 (local.get $syA)) (local.get $out))
                (call $edgePixel (local.get $src) (local.get $w) (local.get $h)
                  (f64x2.extract_lane 1 (local.get $sxA)) (f64x2.extract_lane 1 (local.get $syA))
                  (i32.add (local.get $out) (i32.const 12)))
                (call $edgePixel (local.get $src) (local.get $w) (local.get $h)
                  (f64x2.extract_lane 0 (local.get $sxB)) (f64x2.extract_lane 0 (local.get $syB))
                  (i32.add (local.get $out) (i32.const 24)))
                (call $edgePixel (local.get $src) (local.get $w) (local.get $h)
                  (f64x2.extract_lane 1 (local.get $sxB)) (f64x2.extract_lane 1 (local.get $syB))
                  (i32.add (local.get $out) (i32.const 36)))))))
            (local.set $out (i32.add (local.get $out) (i32.const 48)))
            (local.set $x (i32.add (local.get $x) (i32.const 4)))
            (br $quads)))
        ;; The row's last size % 4 pixels.
        (block $restDone
          (loop $rest
            (br_if $restDone (i32.ge_s (local.get $x) (local.get $size)))
            (local.set $xf (f64.convert_i32_s (local.get $x)))
            (call $edgePixel (local.get $src) (local.get $w) (local.get $h)
              (f64.add (f64.mul (local.get $a0) (local.get $xf)) (local.get $rowX))
              (f64.add (f64.mul (local.get $b0) (local.get $xf)) (local.get $rowY))
              (local.get $out))
            (local.set $out (i32.add (local.get $out) (i32.const 12)))
            (local.set $x (i32.add (local.get $x) (i32.const 1)))
            (br $rest)))
        (local.set $y (i32.add (local.get $y) (i32.const 1)))
        (br $rows))))
)
