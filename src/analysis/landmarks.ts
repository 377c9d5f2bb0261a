/** BlazePose 33-landmark topology, and side-generic joint names used by exercise definitions. */

export const LANDMARK_COUNT = 33;

export const LM = {
  nose: 0,
  leftEyeInner: 1,
  leftEye: 2,
  leftEyeOuter: 3,
  rightEyeInner: 4,
  rightEye: 5,
  rightEyeOuter: 6,
  leftEar: 7,
  rightEar: 8,
  mouthLeft: 9,
  mouthRight: 10,
  leftShoulder: 11,
  rightShoulder: 12,
  leftElbow: 13,
  rightElbow: 14,
  leftWrist: 15,
  rightWrist: 16,
  leftPinky: 17,
  rightPinky: 18,
  leftIndex: 19,
  rightIndex: 20,
  leftThumb: 21,
  rightThumb: 22,
  leftHip: 23,
  rightHip: 24,
  leftKnee: 25,
  rightKnee: 26,
  leftAnkle: 27,
  rightAnkle: 28,
  leftHeel: 29,
  rightHeel: 30,
  leftFoot: 31,
  rightFoot: 32,
} as const;

/** A body part that exists on both sides; definitions name these and the engine picks the side. */
export type Joint = 'ear' | 'shoulder' | 'elbow' | 'wrist' | 'index' | 'hip' | 'knee' | 'ankle' | 'heel' | 'foot';

export type Side = 'left' | 'right';

const SIDED: Record<Joint, readonly [left: number, right: number]> = {
  ear: [LM.leftEar, LM.rightEar],
  shoulder: [LM.leftShoulder, LM.rightShoulder],
  elbow: [LM.leftElbow, LM.rightElbow],
  wrist: [LM.leftWrist, LM.rightWrist],
  index: [LM.leftIndex, LM.rightIndex],
  hip: [LM.leftHip, LM.rightHip],
  knee: [LM.leftKnee, LM.rightKnee],
  ankle: [LM.leftAnkle, LM.rightAnkle],
  heel: [LM.leftHeel, LM.rightHeel],
  foot: [LM.leftFoot, LM.rightFoot],
};

export function jointIndex(joint: Joint, side: Side): number {
  return SIDED[joint][side === 'left' ? 0 : 1];
}

/** Left↔right index mapping, for mirrored input. */
export function mirrorIndex(index: number): number {
  if (index === LM.nose) return index;
  // BlazePose interleaves pairs from 11 on (odd = left); the face block pairs 1-3 with 4-6 and 7/8, 9/10.
  if (index >= 1 && index <= 3) return index + 3;
  if (index >= 4 && index <= 6) return index - 3;
  return index % 2 === 1 ? index + 1 : index - 1;
}
